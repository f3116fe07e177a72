import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent } from '../contracts/domain-events';
import { WorkspaceWatcher } from './workspace.watcher';

/** A restore swapped the workspace's folders: the watcher reads everything again. */
@Injectable()
export class WorkspaceBackupsListener {
  constructor(private readonly watcher: WorkspaceWatcher) {}

  @OnEvent(DomainEvent.BackupRestored)
  onRestored(): Promise<void> {
    return this.watcher.restored();
  }
}
