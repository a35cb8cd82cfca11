import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Where notifications go: a webhook, a mailbox or a Slack channel of one tenant. */
@Entity({ name: 'notification_channels' })
export class NotificationChannelEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  kind!: string;

  /** The channel's settings, validated per kind by the alerting library. */
  @Column({ type: 'jsonb' })
  config!: Record<string, unknown>;

  /** Write-only: never returned by the API nor logged. Not selected unless asked for. */
  @Column({ type: 'text', nullable: true, select: false })
  secret!: string | null;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Set when the channel was deleted; the row stays for the notifications that name it. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
