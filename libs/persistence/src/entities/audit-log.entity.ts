import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One change attempted through the API with a valid key: append-only (the database refuses updates and deletes). */
@Entity({ name: 'audit_log' })
export class AuditLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  /** `api-key:<key id>`, as in the alert history. */
  @Column({ type: 'text' })
  actor!: string;

  /** The key's name at the time, for people reading the trail. */
  @Column({ name: 'actor_name', type: 'text', nullable: true })
  actorName!: string | null;

  @Column({ type: 'text', array: true })
  roles!: string[];

  @Column({ type: 'text' })
  method!: string;

  /** The route pattern (`/v1/alerts/:id/ack`), to filter by kind of action. */
  @Column({ type: 'text' })
  path!: string;

  /** The concrete URL path (`/v1/alerts/<uuid>/ack`), without the query string. */
  @Column({ type: 'text' })
  target!: string;

  /** The HTTP status answered: refusals (403, 409 …) are recorded too. */
  @Column({ type: 'integer' })
  status!: number;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  /** The request body with secret-like fields redacted, truncated to a few KB. */
  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;
}
