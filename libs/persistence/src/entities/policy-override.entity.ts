import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A tenant's setting of one rule at one scope (tenant, sector or model). */
@Entity({ name: 'policy_overrides' })
export class PolicyOverrideEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ type: 'text' })
  scope!: 'tenant' | 'sector' | 'model';

  /** Empty for the tenant scope, the sector, or the model id. */
  @PrimaryColumn({ type: 'text' })
  target!: string;

  @PrimaryColumn({ name: 'rule_id', type: 'text' })
  ruleId!: string;

  @Column({ type: 'boolean', nullable: true })
  enabled!: boolean | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  args!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
