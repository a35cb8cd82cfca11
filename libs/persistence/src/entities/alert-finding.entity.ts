import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Every finding behind an alert, once: the key that makes alert updates idempotent. */
@Entity({ name: 'alert_findings' })
export class AlertFindingEntity {
  @PrimaryColumn({ name: 'finding_id', type: 'text' })
  findingId!: string;

  @Column({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  severity!: string;

  @Column({ type: 'jsonb', nullable: true })
  observed!: unknown;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
