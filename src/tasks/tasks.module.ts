import { Module } from '@nestjs/common';
import { WorkspaceModule } from '../workspace/workspace.module';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [WorkspaceModule],
  controllers: [TasksController],
  providers: [TasksService],
})
export class TasksModule {}
