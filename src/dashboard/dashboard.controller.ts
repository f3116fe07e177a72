import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../config/environment';
import { RealtimeGateway } from '../realtime/realtime.gateway';

export class DashboardConfigDto {
  /** The WebSocket gateway's port on this host. */
  ws_port!: number | null;
  /** Whether changes (and the gateway) need MC_API_TOKEN. */
  token_required!: boolean;
}

@ApiTags('dashboard')
@Controller('api/dashboard')
export class DashboardController {
  constructor(
    private readonly gateway: RealtimeGateway,
    private readonly config: AppConfig,
  ) {}

  /** What the dashboard page needs to connect. */
  @Get('config')
  settings(): DashboardConfigDto {
    return { ws_port: this.gateway.port, token_required: Boolean(this.config.get('MC_API_TOKEN', { infer: true })) };
  }
}
