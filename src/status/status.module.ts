import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { StatusService } from './status.service';

@Module({
  imports: [WorkspaceModule, AgentsModule],
  providers: [StatusService],
})
export class StatusModule {}
