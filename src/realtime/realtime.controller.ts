import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { WebSocketStatusDto } from './dto/websocket-status.dto';
import { RealtimeGateway } from './realtime.gateway';

@ApiTags('realtime')
@Controller('api/websocket')
export class RealtimeController {
  constructor(private readonly gateway: RealtimeGateway) {}

  /** The gateway's live figures. */
  @Get('status')
  status(): WebSocketStatusDto {
    return this.gateway.stats();
  }
}
