import { Injectable } from '@nestjs/common';
import { FleetService } from '../agents/fleet.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { ActiveTaskDto, TaskListDto } from './dto/task.dto';
import { ListTasksQuery } from './dto/task-query.dto';

@Injectable()
export class TasksService {
  constructor(
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
  ) {}

  /** Top-level tasks matching every given filter, with their subtasks. */
  list(filter: ListTasksQuery): TaskListDto {
    const { source, tasks } = this.workspace.getTaskQueue();
    const matches = (value: string | null, wanted?: string) => wanted === undefined || value?.toLowerCase() === wanted;
    return {
      source,
      tasks: tasks.filter(
        (t) => matches(t.status, filter.status) && matches(t.assigned_to, filter.assigned_to) && matches(t.priority, filter.priority),
      ),
    };
  }

  /** Queue tasks in progress, then what agents say they are doing that the queue does not already list. */
  active(): ActiveTaskDto[] {
    const fromQueue: ActiveTaskDto[] = this.workspace
      .getTaskQueue()
      .tasks.filter((t) => t.status === 'in_progress')
      .map((t) => ({ agent: t.assigned_to, task: t.text, task_id: t.id, status: t.status, priority: t.priority, source: 'task_queue' }));
    const known = new Set(fromQueue.map((a) => `${a.agent?.toLowerCase()}\u0000${a.task}`));
    const fromAgents: ActiveTaskDto[] = this.fleet.listAgents().flatMap((agent) =>
      agent.current_tasks
        .filter((task) => !known.has(`${agent.id.toLowerCase()}\u0000${task}`))
        .map((task) => ({ agent: agent.id, task, task_id: null, status: 'in_progress', priority: null, source: 'agent_state' as const })),
    );
    return [...fromQueue, ...fromAgents];
  }
}
