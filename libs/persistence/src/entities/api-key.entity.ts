import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An API key, stored as a salted hash; the secret itself is shown once and never kept. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  /** Public part of the key, used to find the row without scanning hashes. */
  @Column({ name: 'key_id', type: 'text', unique: true })
  keyId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', array: true })
  roles!: string[];

  @Column({ type: 'text' })
  salt!: string;

  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  /** Seeded by the local demo; production refuses to start while one is active. */
  @Column({ name: 'is_dev', type: 'boolean', default: false })
  isDev!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
