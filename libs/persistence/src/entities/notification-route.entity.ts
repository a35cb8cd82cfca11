import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A routing rule: alerts matching every non-empty list go to the channels, at an escalation
 * level (0 for the first notification). Every matching route applies.
 */
@Entity({ name: 'notification_routes' })
export class NotificationRouteEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'integer' })
  level!: number;

  @Column({ type: 'text', array: true })
  severities!: string[];

  @Column({ type: 'text', array: true })
  sectors!: string[];

  @Column({ name: 'model_ids', type: 'text', array: true })
  modelIds!: string[];

  @Column({ name: 'rule_ids', type: 'text', array: true })
  ruleIds!: string[];

  @Column({ name: 'channel_ids', type: 'uuid', array: true })
  channelIds!: string[];

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
