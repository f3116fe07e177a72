import { MigrationInterface, QueryRunner } from 'typeorm';

/** Hourly rollups of metric rows older than MC_METRICS_RETENTION, kept 90 days for long history queries. */
export class HourlyRollups1763900000000 implements MigrationInterface {
  name = 'HourlyRollups1763900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE "agent_metrics_hourly" (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "agent_id" varchar(128) NOT NULL,
      "timestamp" varchar(32) NOT NULL,
      "samples" integer NOT NULL,
      "tasks_completed" integer NOT NULL DEFAULT (0),
      "tasks_failed" integer NOT NULL DEFAULT (0),
      "tasks_in_progress" real NOT NULL DEFAULT (0),
      "avg_task_duration" real,
      "total_work_time" real NOT NULL DEFAULT (0),
      "idle_time" real NOT NULL DEFAULT (0),
      "messages_sent" integer NOT NULL DEFAULT (0),
      "messages_received" integer NOT NULL DEFAULT (0),
      "error_rate" real NOT NULL DEFAULT (0),
      "success_rate" real NOT NULL DEFAULT (1))`);
    await db.query(
      `CREATE UNIQUE INDEX "idx_agent_metrics_hourly_agent_timestamp" ON "agent_metrics_hourly" ("agent_id", "timestamp")`,
    );
    await db.query(`CREATE INDEX "idx_agent_metrics_hourly_timestamp" ON "agent_metrics_hourly" ("timestamp")`);

    await db.query(`CREATE TABLE "system_metrics_hourly" (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "timestamp" varchar(32) NOT NULL,
      "samples" integer NOT NULL,
      "total_agents" real NOT NULL DEFAULT (0),
      "active_agents" real NOT NULL DEFAULT (0),
      "idle_agents" real NOT NULL DEFAULT (0),
      "offline_agents" real NOT NULL DEFAULT (0),
      "total_tasks_completed" integer NOT NULL DEFAULT (0),
      "total_tasks_pending" real NOT NULL DEFAULT (0),
      "total_tasks_failed" integer NOT NULL DEFAULT (0),
      "system_health_score" real NOT NULL DEFAULT (1),
      "avg_response_time" real,
      "events_per_minute" real NOT NULL DEFAULT (0))`);
    await db.query(
      `CREATE UNIQUE INDEX "idx_system_metrics_hourly_timestamp" ON "system_metrics_hourly" ("timestamp")`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "system_metrics_hourly"`);
    await db.query(`DROP TABLE "agent_metrics_hourly"`);
  }
}
