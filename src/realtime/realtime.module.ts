import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { RealtimeAlertingListener } from './alerting.listener';
import { RealtimeBackupsListener } from './backups.listener';
import { ClientController } from './client.controller';
import { RealtimeEventLogListener } from './event-log.listener';
import { RealtimeFleetListener } from './fleet.listener';
import { RealtimeMetricsListener } from './metrics.listener';
import { RealtimeController } from './realtime.controller';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeService } from './realtime.service';

@Module({
  imports: [WorkspaceModule, AgentsModule],
  controllers: [RealtimeController, ClientController],
  providers: [
    RealtimeGateway,
    RealtimeService,
    RealtimeFleetListener,
    RealtimeEventLogListener,
    RealtimeMetricsListener,
    RealtimeBackupsListener,
    RealtimeAlertingListener,
  ],
  exports: [RealtimeGateway, RealtimeService],
})
export class RealtimeModule {}
