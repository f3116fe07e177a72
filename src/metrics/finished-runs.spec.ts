import { FinishedRuns, runIdOf } from './finished-runs';

describe('FinishedRuns', () => {
  it('counts the end of a run once, and again after it is started anew', () => {
    const runs = new FinishedRuns();
    expect([1, 2, 3].map(() => runs.finish('a', 'r1'))).toEqual([true, false, false]);
    expect(runs.finish('b', 'r1')).toBe(true);
    runs.started('a', 'r1');
    expect(runs.finish('a', 'r1')).toBe(true);
  });

  it('reads the run id from task_id, else run_id', () => {
    expect([runIdOf({ task_id: 7, run_id: 'x' }), runIdOf({ run_id: 'x' }), runIdOf({})]).toEqual(['7', 'x', null]);
  });
});
