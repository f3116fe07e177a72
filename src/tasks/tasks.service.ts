import { Injectable } from '@nestjs/common';
import { FleetService } from '../agents/fleet.service';
import { FieldError, invalidRequest } from '../common/validation';
import { Task, TASK_PRIORITIES, TASK_STATUSES } from '../contracts/fleet';
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
    const problems = [
      unknownValue(tasks, 'status', TASK_STATUSES, filter.status),
      unknownValue(tasks, 'priority', TASK_PRIORITIES, filter.priority),
    ].filter((p): p is FieldError => p !== null);
    if (problems.length) throw invalidRequest(problems);
    const matches = (value: string | null, wanted?: string) => wanted === undefined || value?.toLowerCase() === wanted;
    return {
      source,
      tasks: tasks.filter(
        (t) =>
          matches(t.status, filter.status) &&
          matches(t.assigned_to, filter.assigned_to) &&
          matches(t.priority, filter.priority),
      ),
    };
  }

  /** Queue tasks in progress, then what agents say they are doing that the queue does not already list. */
  active(): ActiveTaskDto[] {
    const fromQueue: ActiveTaskDto[] = this.workspace
      .getTaskQueue()
      .tasks.filter((t) => t.status === 'in_progress')
      .map((t) => ({
        agent: t.assigned_to,
        task: t.text,
        task_id: t.id,
        status: t.status,
        priority: t.priority,
        source: 'task_queue',
      }));
    const known = new Set(fromQueue.map((a) => `${a.agent?.toLowerCase()}\u0000${a.task}`));
    const fromAgents: ActiveTaskDto[] = this.fleet.listAgents().flatMap((agent) =>
      agent.current_tasks
        .filter((task) => !known.has(`${agent.id.toLowerCase()}\u0000${task}`))
        .map((task) => ({
          agent: agent.id,
          task,
          task_id: null,
          status: 'in_progress',
          priority: null,
          source: 'agent_state' as const,
        })),
    );
    return [...fromQueue, ...fromAgents];
  }
}

/** A queue of many words of its own still gets a short 400. */
const MAX_NAMED_VALUES = 30;

/**
 * A filter value no task could have is a 400 naming those it could: the usual values, and those the
 * queue's tasks hold now (queues may use words of their own, kept as written).
 */
function unknownValue(
  tasks: Task[],
  field: 'status' | 'priority',
  usual: string[],
  wanted?: string,
): FieldError | null {
  if (wanted === undefined) return null;
  const held = tasks.map((t) => t[field]).filter((v): v is string => v !== null);
  const allowed = [...new Set([...usual, ...held])];
  if (allowed.some((v) => v.toLowerCase() === wanted)) return null;
  const more =
    allowed.length > MAX_NAMED_VALUES ? ` and ${allowed.length - MAX_NAMED_VALUES} more the queue holds` : '';
  return { field, messages: [`${field} must be one of: ${allowed.slice(0, MAX_NAMED_VALUES).join(', ')}${more}`] };
}
