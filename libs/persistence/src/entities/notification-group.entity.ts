import { Column, Entity, PrimaryColumn } from 'typeorm';

/** When a notification group (tenant + model + severity) runs next; the row is its lock. */
@Entity({ name: 'notification_groups' })
export class NotificationGroupEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ name: 'group_key', type: 'text' })
  groupKey!: string;

  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true })
  nextRunAt!: Date | null;

  @Column({ name: 'last_run_at', type: 'timestamptz', nullable: true })
  lastRunAt!: Date | null;
}
