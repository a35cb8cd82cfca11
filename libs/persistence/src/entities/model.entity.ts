import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A model inventory entry: what G1 and every sector rule rely on. */
@Entity({ name: 'models' })
export class ModelEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ name: 'model_id', type: 'text' })
  modelId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', array: true })
  sectors!: string[];

  @Column({ name: 'risk_tier', type: 'text', nullable: true })
  riskTier!: string | null;

  @Column({ type: 'text', nullable: true })
  owner!: string | null;

  @Column({ name: 'intended_use', type: 'text', nullable: true })
  intendedUse!: string | null;

  @Column({ name: 'approved_use_scope', type: 'text', array: true, default: () => "'{}'" })
  approvedUseScope!: string[];

  @Column({ name: 'approved_versions', type: 'jsonb', default: () => "'[]'" })
  approvedVersions!: { version: string; hash: string | null }[];

  @Column({ name: 'change_plan', type: 'jsonb', nullable: true })
  changePlan!: { ref: string; scope: string[] } | null;

  /** `YYYY-MM-DD` (a `date` column, read as text so no time zone shifts it). */
  @Column({ name: 'last_validated_at', type: 'date', nullable: true })
  lastValidatedAt!: string | null;

  @Column({ name: 'third_party', type: 'boolean', default: false })
  thirdParty!: boolean;

  @Column({ type: 'text', nullable: true })
  vendor!: string | null;

  @Column({ name: 'vendor_validation_ref', type: 'text', nullable: true })
  vendorValidationRef!: string | null;

  @Column({ name: 'privacy_assessment_refs', type: 'text', array: true, default: () => "'{}'" })
  privacyAssessmentRefs!: string[];

  @Column({ name: 'deployed_version', type: 'text', nullable: true })
  deployedVersion!: string | null;

  @Column({ name: 'deployed_hash', type: 'text', nullable: true })
  deployedHash!: string | null;

  /** Time of the `model_deployment` event behind `deployedVersion`. */
  @Column({ name: 'deployed_at', type: 'timestamptz', nullable: true })
  deployedAt!: Date | null;

  /** The newest event time of the model's telemetry (written by the engine, at most every 30 s). */
  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt!: Date | null;

  /** When the engine last received telemetry of the model (wall clock). */
  @Column({ name: 'last_received_at', type: 'timestamptz', nullable: true })
  lastReceivedAt!: Date | null;

  /** Set when the model is retired: the row stays, the engine no longer counts it as in the inventory. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
