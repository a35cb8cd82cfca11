import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When each inventory model last sent telemetry (event time and receipt), for its posture. */
export class ModelTelemetrySeen1764600000000 implements MigrationInterface {
  name = 'ModelTelemetrySeen1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE models ADD COLUMN last_event_at timestamptz, ADD COLUMN last_received_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE models DROP COLUMN last_event_at, DROP COLUMN last_received_at`);
  }
}
