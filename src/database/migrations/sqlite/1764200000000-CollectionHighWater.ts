import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each collection records the last event id it counted, so a restart resumes from there: events carry
 * the time their client gives them, and one dated before the last collection but stored after it must
 * still be counted once.
 */
export class CollectionHighWater1764200000000 implements MigrationInterface {
  name = 'CollectionHighWater1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "system_metrics" ADD COLUMN "last_event_id" integer`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "system_metrics" DROP COLUMN "last_event_id"`);
  }
}
