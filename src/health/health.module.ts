import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { GatewaysModule } from '../gateways/gateways.module';
import { MetricsModule } from '../metrics/metrics.module';
import { OpenClawModule } from '../openclaw/openclaw.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [TerminusModule, WorkspaceModule, RealtimeModule, OpenClawModule, MetricsModule, GatewaysModule],
  controllers: [HealthController],
  providers: [HealthService],
  exports: [HealthService],
})
export class HealthModule {}
