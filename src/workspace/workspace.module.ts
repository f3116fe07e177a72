import { Module } from '@nestjs/common';
import { WorkspaceService } from './workspace.service';
import { WorkspaceWatcher } from './workspace.watcher';

/** Reads and watches the OpenClaw workspace; other modules use WorkspaceService's read methods. */
@Module({
  providers: [WorkspaceService, WorkspaceWatcher],
  exports: [WorkspaceService],
})
export class WorkspaceModule {}
