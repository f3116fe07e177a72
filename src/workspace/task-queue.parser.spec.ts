import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLenientJson } from './lenient-json';
import {
  normalizePriority,
  normalizeTaskStatus,
  parseTaskQueueJson,
  parseTaskQueueMarkdown,
} from './task-queue.parser';

const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'workspace', 'mission-control');

describe('normalizeTaskStatus', () => {
  it.each([
    ['in_progress', 'in_progress'],
    ['In Progress', 'in_progress'],
    ['in-progress', 'in_progress'],
    ['🔵 IN PROGRESS', 'in_progress'],
    ['✅ COMPLETED', 'completed'],
    ['done', 'completed'],
    ['Canceled', 'cancelled'],
    ['todo', 'pending'],
    ['⚪ DELEGATED', 'delegated'],
    ['', 'pending'],
    [null, 'pending'],
  ])('%j → %s', (raw, expected) => {
    expect(normalizeTaskStatus(raw)).toBe(expected);
  });

  it('uses the completed flag when there is no status', () => {
    expect(normalizeTaskStatus(null, true)).toBe('completed');
  });
});

describe('normalizePriority', () => {
  it.each([
    ['P0', 'P0'],
    ['p3', 'P3'],
    ['high', 'P1'],
    ['Critical', 'P0'],
    [2, 'P2'],
    ['someday', 'someday'],
    ['', null],
    [null, null],
  ])('%j → %j', (raw, expected) => {
    expect(normalizePriority(raw)).toBe(expected);
  });
});

describe('parseTaskQueueJson', () => {
  it('reads the fixture queue with subtasks', () => {
    const tasks = parseTaskQueueJson(parseLenientJson(readFileSync(join(DIR, 'TASK_QUEUE.json'), 'utf8')));
    expect(tasks.map((t) => t.id)).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003']);
    expect(tasks[0].subtasks.map((s) => [s.id, s.status, s.parent_id])).toEqual([
      ['TASK-0001-SUB-1', 'completed', 'TASK-0001'],
      ['TASK-0001-SUB-2', 'pending', 'TASK-0001'],
    ]);
  });

  it('reads a bare array, numeric ids, missing ids and duplicate ids', () => {
    const tasks = parseTaskQueueJson([{ id: 7, title: 'A' }, { text: 'B' }, { id: 7, task: 'C' }, 'junk']);
    expect(tasks.map((t) => [t.id, t.text])).toEqual([
      ['7', 'A'],
      ['task-2', 'B'],
      ['7-2', 'C'],
    ]);
  });

  it('stops nesting at a sane depth', () => {
    let deep: Record<string, unknown> = { id: 'leaf' };
    for (let i = 0; i < 50; i++) deep = { id: `n${i}`, subtasks: [deep] };
    let depth = 0;
    for (let t = parseTaskQueueJson([deep])[0]; t.subtasks.length; t = t.subtasks[0]) depth++;
    expect(depth).toBeLessThanOrEqual(8);
  });

  it.each([{}, { tasks: 'many' }, 'text', null])('refuses %j', (raw) => {
    expect(() => parseTaskQueueJson(raw)).toThrow(/tasks/);
  });
});

describe('parseTaskQueueMarkdown', () => {
  it('reads task tables and checkboxes, and skips placeholders, other tables and code blocks', () => {
    const tasks = parseTaskQueueMarkdown(readFileSync(join(DIR, 'TASK_QUEUE.md'), 'utf8'));
    expect(tasks.map((t) => [t.text, t.status])).toEqual([
      ['Publish weekly report', 'in_progress'],
      ['Deploy Glasses agent', 'completed'],
      ['Deploy Quill agent', 'completed'],
      ['Rotate API keys @watchtower P0', 'pending'],
      ['Archive old logs', 'completed'],
    ]);
    expect(tasks[0]).toMatchObject({
      id: '11',
      assigned_to: 'scribe',
      priority: 'P1',
      due: expect.stringMatching(/^2026-02-1[78]/),
    });
    expect(tasks[3].subtasks).toEqual([
      expect.objectContaining({ text: 'Generate new keys', status: 'completed', parent_id: tasks[3].id }),
    ]);
  });

  it('keeps checkbox ids stable across edits elsewhere in the file', () => {
    const before = parseTaskQueueMarkdown('- [ ] Ship it\n');
    const after = parseTaskQueueMarkdown('# Title\n\n- [ ] Another\n- [ ] Ship it\n');
    expect(after[1].id).toBe(before[0].id);
  });

  it('reads nothing from a file with no tasks', () => {
    expect(parseTaskQueueMarkdown('# Empty\n\nJust prose | with a pipe.\n')).toEqual([]);
  });
});
