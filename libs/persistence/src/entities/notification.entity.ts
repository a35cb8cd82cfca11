import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const NOTIFICATION_STATUSES = ['pending', 'delivered', 'failed', 'suppressed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * One message to one channel about one or more alerts (or a silence). `suppressed` means a
 * silence held it back: recorded, not sent.
 */
@Entity({ name: 'notifications' })
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'integer' })
  level!: number;

  @Column({ name: 'alert_ids', type: 'uuid', array: true })
  alertIds!: string[];

  /** The alerts in `alertIds` that were notified before and are repeated because they still fire. */
  @Column({ name: 'repeat_alert_ids', type: 'uuid', array: true })
  repeatAlertIds!: string[];

  @Column({ name: 'silence_id', type: 'uuid', nullable: true })
  silenceId!: string | null;

  @Column({ type: 'text' })
  status!: NotificationStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt!: Date | null;
}
