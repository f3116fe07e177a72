import { createHash } from 'node:crypto';
import { firstDate } from './agent.normalizer';
import { isPlainObject } from '../common/json';
import { Task } from '../contracts/fleet';

const MAX_DEPTH = 8;

const STATUS_ALIASES: Record<string, string> = {
  todo: 'pending',
  queued: 'pending',
  open: 'pending',
  new: 'pending',
  created: 'pending',
  assigned: 'pending',
  waiting: 'pending',
  doing: 'in_progress',
  active: 'in_progress',
  working: 'in_progress',
  started: 'in_progress',
  running: 'in_progress',
  inprogress: 'in_progress',
  wip: 'in_progress',
  done: 'completed',
  complete: 'completed',
  finished: 'completed',
  success: 'completed',
  succeeded: 'completed',
  resolved: 'completed',
  error: 'failed',
  failure: 'failed',
  errored: 'failed',
  canceled: 'cancelled',
  abandoned: 'cancelled',
  dropped: 'cancelled',
  in_review: 'review',
};

/** "✅ COMPLETED", "In Progress", "in-progress" → completed, in_progress, in_progress. */
export function normalizeTaskStatus(raw: string | null, done?: boolean): string {
  const token = (raw ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/ /g, '_');
  if (!token) return done ? 'completed' : 'pending';
  return STATUS_ALIASES[token] ?? STATUS_ALIASES[token.replace(/_/g, '')] ?? token;
}

const PRIORITY_WORDS: Record<string, string> = {
  critical: 'P0',
  urgent: 'P0',
  high: 'P1',
  medium: 'P2',
  normal: 'P2',
  low: 'P3',
};

/** P0–P3 as written in any case, or the common words for them; other values are kept as written. */
export function normalizePriority(raw: unknown): string | null {
  if (typeof raw === 'number' && Number.isInteger(raw)) return `P${raw}`;
  if (typeof raw !== 'string' || !raw.trim()) return null;
  const value = raw.trim();
  if (/^p\d$/i.test(value)) return value.toUpperCase();
  return PRIORITY_WORDS[value.toLowerCase()] ?? value;
}

/** TASK_QUEUE.json: `{tasks: [...]}` or a bare array. */
export function parseTaskQueueJson(raw: unknown): Task[] {
  const list = Array.isArray(raw) ? raw : isPlainObject(raw) && Array.isArray(raw.tasks) ? raw.tasks : null;
  if (!list) throw new Error('task queue must be an array or an object with a "tasks" array');
  return uniqueIds(list.filter(isPlainObject).map((task, i) => normalizeTask(task, `task-${i + 1}`, null, 0)));
}

function normalizeTask(raw: Record<string, unknown>, fallbackId: string, parentId: string | null, depth: number): Task {
  const id = str(raw.id) ?? str(raw.task_id) ?? str(raw.taskId) ?? fallbackId;
  const text = str(raw.description) ?? str(raw.text) ?? str(raw.title) ?? str(raw.name) ?? str(raw.task) ?? '';
  const rawStatus = str(raw.status) ?? str(raw.state);
  const children = depth < MAX_DEPTH && Array.isArray(raw.subtasks) ? raw.subtasks.filter(isPlainObject) : [];
  return {
    id,
    text,
    description: text,
    status: normalizeTaskStatus(rawStatus, raw.completed === true || raw.done === true),
    raw_status: rawStatus,
    priority: normalizePriority(raw.priority),
    assigned_to: str(raw.assignedTo) ?? str(raw.assigned_to) ?? str(raw.assignee) ?? str(raw.agent) ?? str(raw.owner),
    created_by: str(raw.createdBy) ?? str(raw.created_by),
    created_at: firstDate(raw.created, raw.createdAt, raw.created_at),
    updated_at: firstDate(raw.updated, raw.updatedAt, raw.updated_at),
    due: firstDate(raw.due, raw.dueDate, raw.due_date),
    completed_at: firstDate(raw.completedAt, raw.completed_at),
    tags: Array.isArray(raw.tags) ? raw.tags.map(str).filter((t): t is string => t !== null) : [],
    notes: str(raw.notes),
    parent_id: str(raw.parentId) ?? str(raw.parent_id) ?? parentId,
    subtasks: uniqueIds(children.map((child, i) => normalizeTask(child, `${id}-sub-${i + 1}`, id, depth + 1))),
  };
}

function str(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

/** Later duplicates get `-2`, `-3`… so ids stay usable as keys. */
function uniqueIds(tasks: Task[]): Task[] {
  const seen = new Map<string, number>();
  return tasks.map((task) => {
    const n = (seen.get(task.id) ?? 0) + 1;
    seen.set(task.id, n);
    return n === 1 ? task : { ...task, id: `${task.id}-${n}` };
  });
}

const COLUMN_NAMES: Record<string, keyof MarkdownRow> = {
  id: 'id',
  '#': 'id',
  task_id: 'id',
  task: 'text',
  description: 'text',
  title: 'text',
  status: 'status',
  assigned_to: 'assigned_to',
  assignee: 'assigned_to',
  agent: 'assigned_to',
  owner: 'assigned_to',
  by: 'completed_by',
  completed_by: 'completed_by',
  priority: 'priority',
  created: 'created',
  due: 'due',
  completed: 'completed',
};

interface MarkdownRow {
  id?: string;
  text?: string;
  status?: string;
  assigned_to?: string;
  completed_by?: string;
  priority?: string;
  created?: string;
  due?: string;
  completed?: string;
}

/**
 * TASK_QUEUE.md: rows of every table whose header names an ID and a task column, and
 * `- [ ]` / `- [x]` checkboxes (indented ones become subtasks of the checkbox above).
 * Placeholder rows such as `| - | No pending tasks | - |` are skipped.
 */
export function parseTaskQueueMarkdown(text: string): Task[] {
  const tasks: Task[] = [];
  const lines = text.split(/\r?\n/);
  let columns: (keyof MarkdownRow | null)[] | null = null;
  let inFence = false;
  let lastTop: Task | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    if (/^\s*\|/.test(line)) {
      const cells = splitRow(line);
      if (columns === null) {
        const mapped = cells.map(
          (c) =>
            COLUMN_NAMES[
              c
                .toLowerCase()
                .replace(/[^a-z0-9#]+/g, '_')
                .replace(/^_|_$/g, '')
            ] ?? null,
        );
        const isTaskTable =
          mapped.includes('id') && mapped.includes('text') && /^\s*\|?[\s:|-]+$/.test(lines[i + 1] ?? '');
        columns = isTaskTable ? mapped : [];
        if (isTaskTable) i++;
        continue;
      }
      if (columns.length) {
        const row = rowObject(columns, cells);
        if (row.text && !isPlaceholder(row)) tasks.push(taskFromRow(row, tasks.length));
      }
      continue;
    }
    columns = null;
    const box = line.match(/^(\s*)[-*+]\s+\[([ xX])\]\s+(.+)$/);
    if (box) {
      const task = taskFromCheckbox(box[3], box[2] !== ' ');
      if (box[1].length > 0 && lastTop) {
        lastTop.subtasks.push({ ...task, parent_id: lastTop.id });
      } else {
        tasks.push(task);
        lastTop = task;
      }
    }
  }
  return uniqueIds(tasks);
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

function rowObject(columns: (keyof MarkdownRow | null)[], cells: string[]): MarkdownRow {
  const row: MarkdownRow = {};
  columns.forEach((column, i) => {
    const cell = cells[i]?.replace(/\*\*|__|`/g, '').trim();
    if (column && cell && cell !== '-' && row[column] === undefined) row[column] = cell;
  });
  return row;
}

function isPlaceholder(row: MarkdownRow): boolean {
  return !row.id && /^(no|none)\b/i.test(row.text ?? '');
}

function taskFromRow(row: MarkdownRow, index: number): Task {
  return {
    ...emptyTask(row.id?.replace(/^#/, '') ?? `md-${index + 1}`, row.text ?? ''),
    status: normalizeTaskStatus(row.status ?? null),
    raw_status: row.status ?? null,
    priority: normalizePriority(row.priority),
    assigned_to: row.assigned_to ?? row.completed_by ?? null,
    created_at: firstDate(row.created),
    due: firstDate(row.due),
    completed_at: firstDate(row.completed),
  };
}

/** `- [x] Write the launch post @quill P1` → completed, assigned to quill, priority P1. */
function taskFromCheckbox(body: string, done: boolean): Task {
  const assignee = body.match(/(?:^|\s)@([A-Za-z0-9_.-]+)/)?.[1] ?? null;
  const priority = body.match(/(?:^|[\s([])(P[0-3])(?=$|[\s)\]])/i)?.[1] ?? null;
  const id = `md-${createHash('sha1').update(body).digest('hex').slice(0, 8)}`;
  return {
    ...emptyTask(id, body.trim()),
    status: done ? 'completed' : 'pending',
    raw_status: done ? '[x]' : '[ ]',
    priority: normalizePriority(priority),
    assigned_to: assignee,
  };
}

function emptyTask(id: string, text: string): Task {
  return {
    id,
    text,
    description: text,
    status: 'pending',
    raw_status: null,
    priority: null,
    assigned_to: null,
    created_by: null,
    created_at: null,
    updated_at: null,
    due: null,
    completed_at: null,
    tags: [],
    notes: null,
    parent_id: null,
    subtasks: [],
  };
}
