import { MigrationInterface, QueryRunner } from 'typeorm';

const INTERVAL = ['tokens_in', 'tokens_out', 'tool_calls', 'runs'];

/**
 * Token usage and cost from OpenClaw: per interval (tokens, cost, tool calls, runs) and as a running
 * total of cost, on raw rows and their hourly rollups.
 */
export class OpenClawUsage1764100000000 implements MigrationInterface {
  name = 'OpenClawUsage1764100000000';

  async up(db: QueryRunner): Promise<void> {
    for (const table of ['agent_metrics', 'agent_metrics_hourly']) {
      for (const column of INTERVAL)
        await db.query(`ALTER TABLE "${table}" ADD COLUMN "${column}" integer NOT NULL DEFAULT 0`);
      await db.query(`ALTER TABLE "${table}" ADD COLUMN "cost_usd" real NOT NULL DEFAULT 0`);
      await db.query(`ALTER TABLE "${table}" ADD COLUMN "cost_usd_total" real NOT NULL DEFAULT 0`);
    }
    for (const table of ['system_metrics', 'system_metrics_hourly']) {
      for (const column of ['tokens_in', 'tokens_out'])
        await db.query(`ALTER TABLE "${table}" ADD COLUMN "${column}" integer NOT NULL DEFAULT 0`);
      await db.query(`ALTER TABLE "${table}" ADD COLUMN "cost_usd" real NOT NULL DEFAULT 0`);
      await db.query(`ALTER TABLE "${table}" ADD COLUMN "cost_usd_total" real NOT NULL DEFAULT 0`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['agent_metrics', 'agent_metrics_hourly']) {
      for (const column of [...INTERVAL, 'cost_usd', 'cost_usd_total'])
        await db.query(`ALTER TABLE "${table}" DROP COLUMN "${column}"`);
    }
    for (const table of ['system_metrics', 'system_metrics_hourly']) {
      for (const column of ['tokens_in', 'tokens_out', 'cost_usd', 'cost_usd_total'])
        await db.query(`ALTER TABLE "${table}" DROP COLUMN "${column}"`);
    }
  }
}
