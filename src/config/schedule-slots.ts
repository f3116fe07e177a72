import { CronJob } from 'cron';

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;

/**
 * A schedule on wall-clock slots (UTC): a cron expression, and for intervals of several days, on which days it runs.
 */
export interface Slots {
  cron: string;
  /** Runs only on days whose number since 1970-01-01 is a multiple of this (intervals of whole days). */
  everyDays: number;
}

/**
 * The wall-clock slots for an interval in seconds: every N seconds at seconds divisible by N (N dividing
 * a minute), every N minutes at second 0 (N dividing an hour), every N hours at minute 0 (N dividing a
 * day), or at 00:00 UTC every N days, counted from 1970-01-01. Any other interval is refused with the
 * reason, since it cannot fall on the same slots every day (or every instance of a cluster).
 */
export function slotsOf(seconds: number): Slots {
  const divides = (n: number, unit: number) => Number.isInteger(n) && n >= 1 && unit % n === 0;
  if (seconds < MINUTE && divides(seconds, MINUTE))
    return { cron: seconds === 1 ? '* * * * * *' : `*/${seconds} * * * * *`, everyDays: 1 };
  if (seconds < HOUR && divides(seconds / MINUTE, HOUR / MINUTE))
    return { cron: `0 */${seconds / MINUTE} * * * *`, everyDays: 1 };
  if (seconds < DAY && divides(seconds / HOUR, DAY / HOUR))
    return { cron: `0 0 */${seconds / HOUR} * * *`, everyDays: 1 };
  if (seconds >= DAY && Number.isInteger(seconds / DAY)) return { cron: '0 0 0 * * *', everyDays: seconds / DAY };
  throw new Error('must divide a minute, an hour or a day evenly, or be whole days');
}

/** Starts a cron job on those slots, in UTC; `run` gets the slot's time (to the second). */
export function slotJob(slots: Slots, run: (slot: Date) => void): CronJob {
  return CronJob.from({
    cronTime: slots.cron,
    timeZone: 'UTC',
    start: true,
    onTick: () => {
      if (Math.floor(Date.now() / (DAY * 1000)) % slots.everyDays === 0)
        run(new Date(Math.round(Date.now() / 1000) * 1000));
    },
  });
}
