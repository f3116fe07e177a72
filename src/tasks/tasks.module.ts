import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [WorkspaceModule, AgentsModule],
  controllers: [TasksController],
  providers: [TasksService],
})
export class TasksModule {}
