import { Injectable } from '@nestjs/common';

/**
 * The one time alert evaluations run at: a collection's slot or, for every other evaluation, the real
 * time; whichever is later than the last evaluation's, never going back. So an alert fired at a
 * collection ahead of the real clock (a test's future, a clock set back) is looked at again at or
 * after its start, and resolves from its cause, not from the clocks disagreeing.
 */
@Injectable()
export class AlertClock {
  private latest = -Infinity;

  /**
   * The time of an evaluation that starts now: at `slot` for a collection, else the real time; never before the last.
   */
  next(slot: number | null = null): number {
    this.latest = Math.max(this.latest, slot ?? Date.now());
    return this.latest;
  }

  /** The time now on this clock, without starting an evaluation (when something was heard of). */
  now(): number {
    return Math.max(this.latest, Date.now());
  }
}
