import { Global, Module } from '@nestjs/common';
import { ClusterService } from './cluster.service';

/** Leadership, the event bus and the cluster's members, for every module (see ClusterService). */
@Global()
@Module({
  providers: [ClusterService],
  exports: [ClusterService],
})
export class ClusterModule {}
