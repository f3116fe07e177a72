import { Module } from '@nestjs/common';
import { WorkspaceModule } from '../workspace/workspace.module';
import { StatusService } from './status.service';

@Module({
  imports: [WorkspaceModule],
  providers: [StatusService],
})
export class StatusModule {}
