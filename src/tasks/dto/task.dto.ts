import { ApiProperty } from '@nestjs/swagger';

export class TaskDto {
  id!: string;
  /** The task's description (the same as `description`, under the original API's name). */
  text!: string;
  description!: string;
  /** Normalised: pending, in_progress, completed, failed, cancelled, review, delegated, or the file's own word. */
  status!: string;
  /** The status as written, or null. */
  raw_status!: string | null;
  /** P0–P3 when recognisable, else as written. */
  priority!: string | null;
  assigned_to!: string | null;
  created_by!: string | null;
  created_at!: string | null;
  updated_at!: string | null;
  due!: string | null;
  completed_at!: string | null;
  tags!: string[];
  notes!: string | null;
  parent_id!: string | null;
  @ApiProperty({ type: () => [TaskDto] })
  subtasks!: TaskDto[];
}

export class TaskListDto {
  /** The file the tasks were read from: TASK_QUEUE.json, else TASK_QUEUE.md, or null. */
  source!: string | null;
  tasks!: TaskDto[];
}

export class ActiveTaskDto {
  /** The agent working on it, or null when the queue names nobody. */
  agent!: string | null;
  /** The task's text. */
  task!: string;
  /** The queue's task id, or null for a task known only from the agent's state. */
  task_id!: string | null;
  status!: string;
  priority!: string | null;
  /** Where it was seen: the task queue or the agent's own state. */
  source!: 'task_queue' | 'agent_state';
}

export class ActiveTaskListDto {
  active_tasks!: ActiveTaskDto[];
}
