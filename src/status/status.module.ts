import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { BackupsModule } from '../backups/backups.module';
import { EventsModule } from '../events/events.module';
import { MetricsModule } from '../metrics/metrics.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { StatusService } from './status.service';

@Module({
  imports: [WorkspaceModule, AgentsModule, EventsModule, MetricsModule, BackupsModule],
  providers: [StatusService],
})
export class StatusModule {}
