import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A tenant's alerting settings (group wait, repeat interval, ack SLA, reminders); defaults fill the rest. */
@Entity({ name: 'alerting_settings' })
export class AlertingSettingsEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'jsonb' })
  settings!: Record<string, unknown>;

  @Column({ name: 'updated_by', type: 'text' })
  updatedBy!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
