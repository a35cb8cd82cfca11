import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { AlertStatus } from '@kanshi/alerting-core';


/** One alert per fingerprint (tenant + model + rule + scope); repeated findings update it. */
@Entity({ name: 'alerts' })
@Unique('uq_alerts_tenant_fingerprint', ['tenantId', 'fingerprint'])
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  fingerprint!: string;

  @Column({ name: 'model_id', type: 'text' })
  modelId!: string;

  @Column({ name: 'rule_id', type: 'text' })
  ruleId!: string;

  @Column({ name: 'module_id', type: 'text' })
  moduleId!: string;

  @Column({ type: 'text' })
  sector!: string;

  @Column({ type: 'text' })
  scope!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  source!: string;

  /** The highest severity seen while the alert is open. */
  @Column({ type: 'text' })
  severity!: string;

  @Column({ type: 'text' })
  status!: AlertStatus;

  /** Distinct findings (rule firing on distinct events); a redelivered event does not count. */
  @Column({ name: 'occurrence_count', type: 'integer' })
  occurrenceCount!: number;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @Column({ type: 'jsonb' })
  args!: Record<string, unknown>;

  @Column({ type: 'jsonb', nullable: true })
  observed!: unknown;

  /** The most recent evidence event ids (at most 20; every one is in alert_findings). */
  @Column({ name: 'evidence_event_ids', type: 'text', array: true })
  evidenceEventIds!: string[];

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt!: Date | null;

  /** When the regulatory report the deadline asks for was recorded as submitted: the clock stops. */
  @Column({ name: 'report_submitted_at', type: 'timestamptz', nullable: true })
  reportSubmittedAt!: Date | null;

  /** Who works on the alert (free text: a name, an e-mail address, a team). */
  @Column({ type: 'text', nullable: true })
  assignee!: string | null;

  /** 0 until the alert escalates for want of an acknowledgement; then the level reached. */
  @Column({ name: 'escalation_level', type: 'integer', default: 0 })
  escalationLevel!: number;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** Since when the rule has reported its condition clear (auto-resolve); `null` while it holds. */
  @Column({ name: 'clear_since', type: 'timestamptz', nullable: true })
  clearSince!: Date | null;

  /** When the alert opened: created, or reopened after it was resolved. Escalation counts from here. */
  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  /** When the alert was last notified (`null`: not yet in this opening). */
  @Column({ name: 'notified_at', type: 'timestamptz', nullable: true })
  notifiedAt!: Date | null;

  /** The severity it had then: a higher one is notified again without waiting to repeat. */
  @Column({ name: 'notified_severity', type: 'text', nullable: true })
  notifiedSeverity!: string | null;

  /** The silence that holds the alert while its status is `silenced`. */
  @Column({ name: 'silenced_by', type: 'uuid', nullable: true })
  silencedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
