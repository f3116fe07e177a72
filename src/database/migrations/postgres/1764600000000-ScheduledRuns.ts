import { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per scheduled job and slot that ran: instances of a cluster never run a slot twice. */
export class ScheduledRuns1764600000000 implements MigrationInterface {
  name = 'ScheduledRuns1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE TABLE "scheduled_runs" ("job" varchar(64) NOT NULL, "slot" varchar(32) NOT NULL, "instance" varchar(128) NOT NULL, PRIMARY KEY ("job", "slot"))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "scheduled_runs"`);
  }
}
