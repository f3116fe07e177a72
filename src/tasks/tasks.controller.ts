import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiTags } from '@nestjs/swagger';
import { ErrorDto } from '../common/error.dto';
import { ActiveTaskListDto, TaskListDto } from './dto/task.dto';
import { ListTasksQuery } from './dto/task-query.dto';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@ApiBadRequestResponse({ type: ErrorDto, description: 'A bad filter; `details` names it.' })
@Controller('api/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  /** The task queue from TASK_QUEUE.json, else TASK_QUEUE.md; filters apply to top-level tasks. */
  @Get()
  list(@Query() query: ListTasksQuery): TaskListDto {
    return this.tasks.list(query);
  }

  /** Tasks in progress in the queue, and agents' current tasks from their state files. */
  @Get('active')
  active(): ActiveTaskListDto {
    return { active_tasks: this.tasks.active() };
  }
}
