import { Injectable } from '@nestjs/common';
import { RealtimeGateway } from './realtime.gateway';

/** The realtime door for other modules: where the WebSocket gateway listens, and its figures. */
@Injectable()
export class RealtimeService {
  constructor(private readonly gateway: RealtimeGateway) {}

  /** The gateway's port (MC_WS_PORT, or the one picked when that is 0); null while it does not listen. */
  get port(): number | null {
    return this.gateway.port;
  }

  stats(): ReturnType<RealtimeGateway['stats']> {
    return this.gateway.stats();
  }
}
