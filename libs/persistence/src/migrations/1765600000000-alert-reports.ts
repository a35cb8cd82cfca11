import type { MigrationInterface, QueryRunner } from 'typeorm';

const ACTIONS_BEFORE = `'created', 'occurrence', 'severity_raised', 'acknowledged', 'assigned', 'commented',
  'escalated', 'silenced', 'unsilenced', 'resolved', 'reopened', 'reminded', 'deadline_missed'`;

/**
 * Regulatory reports recorded as submitted: when an alert's report went to the regulator, which
 * stops its clock (reminders, the missed deadline), and the history action that records who
 * recorded it, with the regulator's reference.
 */
export class AlertReports1765600000000 implements MigrationInterface {
  name = 'AlertReports1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alerts ADD COLUMN report_submitted_at timestamptz`);
    await q.query(`ALTER TABLE alert_history DROP CONSTRAINT ck_alert_history_action`);
    await q.query(`ALTER TABLE alert_history ADD CONSTRAINT ck_alert_history_action CHECK (action IN (${ACTIONS_BEFORE}, 'report_submitted'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The history check stays wide: the append-only trail may hold report_submitted rows, which
    // can be neither changed nor removed, and a narrower check would refuse them.
    await q.query(`ALTER TABLE alerts DROP COLUMN report_submitted_at`);
  }
}
