import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A tenant's ingest key: the secret a producer signs telemetry records with when it writes
 * straight to Kafka, so the engine knows which tenant a record speaks for. The engine needs the
 * secret itself to check signatures, so it is kept sealed (AES-256-GCM under
 * `KANSHI_SECRETS_KEY`), never in clear; the whole key is shown once, when it is made.
 */
@Entity({ name: 'ingest_keys' })
export class IngestKeyEntity {
  /** Public part of the key: 12 hex characters, carried in every signature header. */
  @PrimaryColumn({ name: 'key_id', type: 'text' })
  keyId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  name!: string;

  /** The secret, sealed (`sealed:v1:…`, bound to this key id). */
  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed!: string;

  /** Made by the local demo seed; production refuses to start while one is active. */
  @Column({ name: 'is_dev', type: 'boolean', default: false })
  isDev!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
