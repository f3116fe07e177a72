import { Module } from '@nestjs/common';
import { OpenClawModule } from '../openclaw/openclaw.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { AgentsFleetListener } from './fleet.listener';
import { FleetService } from './fleet.service';
import { FleetViewSync } from './fleet-view-sync';

/**
 * The fleet: workspace agents and OpenClaw's, merged, and shared by
 * a cluster's leader; FleetService is the door for other modules.
 */
@Module({
  imports: [WorkspaceModule, OpenClawModule],
  controllers: [AgentsController],
  providers: [AgentsService, FleetService, FleetViewSync, AgentsFleetListener],
  exports: [AgentsService, FleetService],
})
export class AgentsModule {}
