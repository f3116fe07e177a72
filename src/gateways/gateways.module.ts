import { Module } from '@nestjs/common';
import { OpenClawModule } from '../openclaw/openclaw.module';
import { GatewaysService } from './gateways.service';

/** Connections to OpenClaw gateways (Mission Control as an operator client). GatewaysService is its door. */
@Module({
  imports: [OpenClawModule],
  providers: [GatewaysService],
  exports: [GatewaysService],
})
export class GatewaysModule {}
