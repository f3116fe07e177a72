const MINUTE = 60_000;

/** The demo's TASK_QUEUE.json: tasks in every state, subtasks, a parent, history, and a title with markup. */
export function taskQueue(now: number): Record<string, unknown> {
  const at = (minutes: number) => new Date(now + minutes * MINUTE).toISOString();
  const task = (
    id: number,
    description: string,
    status: string,
    priority: string,
    assignedTo: string,
    tags: string[],
    extra: object = {},
  ) => ({
    id: taskId(id),
    description,
    status,
    priority,
    assignedTo,
    createdBy: 'nexus',
    created: at(-240 + id * 10),
    updated: at(-30 + id),
    due: at(24 * 60),
    tags,
    metadata: {},
    notes: null,
    parentId: null,
    subtasks: [],
    ...extra,
  });
  const subtask = (parent: number, n: number, description: string, done: boolean) => ({
    id: `${taskId(parent)}-SUB-${n}`,
    description,
    status: done ? 'completed' : 'in_progress',
    completed: done,
    created: at(-200),
    ...(done ? { completedAt: at(-60 + n * 10) } : {}),
  });
  return {
    tasks: [
      task(
        1,
        'Build File Watcher API - Monitor agent workspace folders',
        'in_progress',
        'P0',
        'code',
        ['backend', 'api'],
        {
          notes: 'Detect new files and outputs, trigger updates automatically',
          subtasks: [
            subtask(1, 1, 'Create FileWatcher class', true),
            subtask(1, 2, 'Integrate with main API server', false),
          ],
        },
      ),
      task(2, 'Design dashboard UI/UX', 'in_progress', 'P1', 'forge', ['frontend', 'design'], {
        subtasks: [subtask(2, 1, 'Agent cards', true), subtask(2, 2, 'Office floor plan', false)],
      }),
      task(3, 'Research competitor dashboards', 'in_progress', 'P2', 'scout', ['research']),
      task(4, 'Draft launch announcement', 'pending', 'P1', 'quill', ['content']),
      task(5, 'Sanitise <script>alert("x")</script> in scraped titles', 'pending', 'P2', 'echo', ['security']),
      task(6, 'Schedule Twitter thread', 'failed', 'P2', 'larry', ['social'], {
        notes: 'API rate limit hit; retry after reset',
      }),
      task(7, 'Set up task monitoring', 'completed', 'P3', 'nexus', ['ops'], { completedAt: at(-90) }),
      task(8, 'Integrate APIs with the frontend', 'pending', 'P1', 'code', ['backend', 'integration'], {
        parentId: taskId(1),
      }),
    ],
    history: [
      {
        id: taskId(0),
        description: 'Initialize Mission Control API infrastructure',
        status: 'completed',
        completedAt: at(-300),
        completedBy: 'code',
        archived: at(-300),
      },
    ],
    nextId: 9,
    updated: at(0),
  };
}

export function taskId(n: number): string {
  return `TASK-${String(n).padStart(4, '0')}`;
}

/** The Markdown queue the way Nexus keeps it; Mission Control falls back to it without the JSON file. */
export function taskQueueMarkdown(now: number): string {
  const at = (minutes: number) => new Date(now + minutes * MINUTE).toISOString().slice(0, 16).replace('T', ' ');
  return `# Mission Control - Task Queue System

## Overview
Centralized task management for all Mission Control operations.

## Active Task Queue

| ID | Task | Status | Assigned To | Priority | Created | Due |
|----|------|--------|-------------|----------|---------|-----|
| 1 | Build File Watcher API | 🔵 IN PROGRESS | code | P0 | ${at(-230)} | ${at(1440)} |
| 2 | Design dashboard UI/UX | 🔵 IN PROGRESS | forge | P1 | ${at(-220)} | ${at(1440)} |
| 4 | Draft launch announcement | 🟡 PENDING | quill | P1 | ${at(-200)} | ${at(1440)} |
| 6 | Schedule Twitter thread | 🔴 FAILED | larry | P2 | ${at(-180)} | ${at(1440)} |

## Task History (Last 10)

| ID | Task | Status | Completed | By |
|----|------|--------|-----------|-----|
| 0 | Initialize Mission Control API infrastructure | ✅ COMPLETED | ${at(-300)} | code |
| 7 | Set up task monitoring | ✅ COMPLETED | ${at(-90)} | Nexus |

## Follow-ups
- [ ] Review Quill's launch post @audit P1
- [x] Rotate gateway token @sentry P0
- [ ] Plan next week's campaign @gary
  - [x] Collect last week's numbers

---

*Last Updated: ${at(0).slice(0, 10)}*
*Maintained by: Nexus (Air1ck3ff)*
`;
}
