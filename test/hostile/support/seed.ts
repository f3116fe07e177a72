import { randomInt } from 'node:crypto';

/**
 * One seed for the whole `npm run test:hostile` run (jest's globalSetup), so that a failure replays
 * with `HOSTILE_SEED=<seed>`. Test files run after this and read it with hostileSeed().
 */
export default function chooseSeed(): void {
  const given = process.env.HOSTILE_SEED;
  if (given !== undefined && given !== '' && !/^\d{1,10}$/.test(given))
    throw new Error(`HOSTILE_SEED must be a whole number (got "${given}")`);
  const seed = given ? Number(given) : randomInt(2 ** 31);
  process.env.HOSTILE_SEED = String(seed);
  console.log(`\nHostile suite seed ${seed}: HOSTILE_SEED=${seed} npm run test:hostile replays this run`);
}

/** The run's seed (set by chooseSeed, or given as HOSTILE_SEED when a file runs on its own config). */
export function hostileSeed(): number {
  if (!process.env.HOSTILE_SEED) chooseSeed();
  return Number(process.env.HOSTILE_SEED);
}
