import { MigrationInterface, QueryRunner } from 'typeorm';

/** The seed schema: metrics time series and the event log. */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE "agent_metrics" (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "agent_id" varchar(128) NOT NULL,
      "timestamp" varchar(32) NOT NULL,
      "tasks_completed" integer NOT NULL DEFAULT (0),
      "tasks_failed" integer NOT NULL DEFAULT (0),
      "tasks_in_progress" integer NOT NULL DEFAULT (0),
      "avg_task_duration" real,
      "total_work_time" real NOT NULL DEFAULT (0),
      "idle_time" real NOT NULL DEFAULT (0),
      "messages_sent" integer NOT NULL DEFAULT (0),
      "messages_received" integer NOT NULL DEFAULT (0),
      "error_rate" real NOT NULL DEFAULT (0),
      "success_rate" real NOT NULL DEFAULT (1))`);
    await db.query(`CREATE INDEX "idx_agent_metrics_agent_timestamp" ON "agent_metrics" ("agent_id", "timestamp")`);
    await db.query(`CREATE INDEX "idx_agent_metrics_timestamp" ON "agent_metrics" ("timestamp")`);

    await db.query(`CREATE TABLE "system_metrics" (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "timestamp" varchar(32) NOT NULL,
      "total_agents" integer NOT NULL DEFAULT (0),
      "active_agents" integer NOT NULL DEFAULT (0),
      "idle_agents" integer NOT NULL DEFAULT (0),
      "offline_agents" integer NOT NULL DEFAULT (0),
      "total_tasks_completed" integer NOT NULL DEFAULT (0),
      "total_tasks_pending" integer NOT NULL DEFAULT (0),
      "total_tasks_failed" integer NOT NULL DEFAULT (0),
      "system_health_score" real NOT NULL DEFAULT (1),
      "avg_response_time" real,
      "events_per_minute" real NOT NULL DEFAULT (0))`);
    await db.query(`CREATE INDEX "idx_system_metrics_timestamp" ON "system_metrics" ("timestamp")`);

    await db.query(`CREATE TABLE "events" (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "timestamp" varchar(32) NOT NULL,
      "event_type" varchar(64) NOT NULL,
      "agent_id" varchar(128),
      "data" text NOT NULL DEFAULT ('{}'))`);
    await db.query(`CREATE INDEX "idx_events_timestamp" ON "events" ("timestamp")`);
    await db.query(`CREATE INDEX "idx_events_type_timestamp" ON "events" ("event_type", "timestamp")`);
    await db.query(`CREATE INDEX "idx_events_agent_timestamp" ON "events" ("agent_id", "timestamp")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "events"`);
    await db.query(`DROP TABLE "system_metrics"`);
    await db.query(`DROP TABLE "agent_metrics"`);
  }
}
