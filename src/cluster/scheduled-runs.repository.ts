import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The slots of scheduled jobs that ran (PostgreSQL): an instance of a cluster never runs a slot another ran. */
@Injectable()
export class ScheduledRunsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records that `instance` runs `job`'s `slot`; false when an instance recorded that slot first. */
  async claim(job: string, slot: Date, instance: string): Promise<boolean> {
    const claimed = await this.db
      .sql`INSERT INTO "scheduled_runs" ("job", "slot", "instance") VALUES (${job}, ${slot.toISOString()}, ${instance}) ON CONFLICT DO NOTHING RETURNING "job"`;
    return claimed.length > 0;
  }

  /** Deletes the rows of slots before `before`. */
  async deleteBefore(before: Date): Promise<void> {
    await this.db.sql`DELETE FROM "scheduled_runs" WHERE "slot" < ${before.toISOString()}`;
  }
}
