import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A silence: alerts matching every non-empty list are recorded but not notified between
 * `startsAt` and `endsAt`. Ending a silence early moves `endsAt`; rows are never deleted.
 */
@Entity({ name: 'silences' })
export class SilenceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text', array: true })
  severities!: string[];

  @Column({ type: 'text', array: true })
  sectors!: string[];

  @Column({ name: 'model_ids', type: 'text', array: true })
  modelIds!: string[];

  @Column({ name: 'rule_ids', type: 'text', array: true })
  ruleIds!: string[];

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt!: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt!: Date;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_by_name', type: 'text', nullable: true })
  createdByName!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** When the reminder of the silence's end went out. */
  @Column({ name: 'reminded_at', type: 'timestamptz', nullable: true })
  remindedAt!: Date | null;
}
