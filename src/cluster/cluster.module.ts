import { Global, Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { ClusterService } from './cluster.service';
import { OutboxSweeper } from './outbox-sweeper';

/**
 * Leadership, the event bus and the cluster's members, for every module of the app (see
 * ClusterService); the command line is no member.
 */
@Global()
@Module({
  imports: [EventsModule],
  providers: [ClusterService, OutboxSweeper],
  exports: [ClusterService],
})
export class ClusterModule {}
