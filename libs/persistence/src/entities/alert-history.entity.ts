import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertAction, AlertStatus } from '@kanshi/alerting-core';

/** One change of an alert: append-only (the database refuses updates and deletes). */
@Entity({ name: 'alert_history' })
export class AlertHistoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'text' })
  action!: AlertAction;

  /** `kanshi` for the system, else `api-key:<key id>`. */
  @Column({ type: 'text' })
  actor!: string;

  /** The API key's name at the time, for people reading the trail. */
  @Column({ name: 'actor_name', type: 'text', nullable: true })
  actorName!: string | null;

  @Column({ name: 'from_status', type: 'text', nullable: true })
  fromStatus!: AlertStatus | null;

  @Column({ name: 'to_status', type: 'text', nullable: true })
  toStatus!: AlertStatus | null;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;
}
