import { Module } from '@nestjs/common';
import { OpenClawModule } from '../openclaw/openclaw.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { FleetService } from './fleet.service';

/** The fleet: workspace agents and OpenClaw's, merged; FleetService is the door for other modules. */
@Module({
  imports: [WorkspaceModule, OpenClawModule],
  controllers: [AgentsController],
  providers: [AgentsService, FleetService],
  exports: [AgentsService, FleetService],
})
export class AgentsModule {}
