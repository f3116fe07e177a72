import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiTokens } from '../common/api-tokens';
import { RealtimeService } from '../realtime/realtime.service';

export class DashboardConfigDto {
  /** The WebSocket gateway's port on this host. */
  ws_port!: number | null;
  /** Whether changes (and the gateway) need a token: MC_API_TOKENS or MC_API_TOKEN is set. */
  token_required!: boolean;
}

@ApiTags('dashboard')
@Controller('api/dashboard')
export class DashboardController {
  constructor(
    private readonly realtime: RealtimeService,
    private readonly tokens: ApiTokens,
  ) {}

  /** What the dashboard page needs to connect. */
  @Get('config')
  settings(): DashboardConfigDto {
    return { ws_port: this.realtime.port, token_required: this.tokens.configured };
  }
}
