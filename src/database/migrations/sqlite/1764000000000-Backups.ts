import { MigrationInterface, QueryRunner } from 'typeorm';

export class Backups1764000000000 implements MigrationInterface {
  name = 'Backups1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE "backups" (
      "id" varchar(32) PRIMARY KEY NOT NULL,
      "type" varchar(16) NOT NULL,
      "agent_id" varchar(128),
      "file" varchar(255) NOT NULL,
      "created_at" varchar(32) NOT NULL,
      "size_bytes" integer NOT NULL,
      "file_count" integer NOT NULL,
      "integrity_hash" varchar(80) NOT NULL,
      "status" varchar(16) NOT NULL,
      "trigger" varchar(16) NOT NULL DEFAULT ('manual'))`);
    await db.query(`CREATE INDEX "idx_backups_created_at" ON "backups" ("created_at")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "backups"`);
  }
}
