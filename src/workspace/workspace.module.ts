import { Module } from '@nestjs/common';
import { WorkspaceBackupsListener } from './backups.listener';
import { WorkspaceService } from './workspace.service';
import { WorkspaceWatcher } from './workspace.watcher';

/** Reads and watches the OpenClaw workspace; other modules use WorkspaceService's read methods. */
@Module({
  providers: [WorkspaceService, WorkspaceWatcher, WorkspaceBackupsListener],
  exports: [WorkspaceService],
})
export class WorkspaceModule {}
