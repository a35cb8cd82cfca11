import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
  type Kafka,
} from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';

/** Kafka principals of Kanshi's roles, by the names the local broker and docs/security.md use. */
export const KAFKA_PRINCIPALS = {
  /** The policy engine: reads telemetry, writes dead letters, re-partitions misplaced records. */
  engine: 'kanshi-engine',
  /** The ingest gateway: writes telemetry. */
  gateway: 'kanshi-gateway',
  /** A producer outside Kanshi (SDK, kcat, Python …): writes telemetry, nothing else. */
  producer: 'kanshi-producer',
  /** The dead-letter tool: reads dead letters and replays them to telemetry. */
  operator: 'kanshi-operator',
} as const;

/** Consumer group prefix of the dead-letter tool (each inspect or replay reads in a throwaway group under it). */
export const DLQ_TOOL_GROUP_PREFIX = 'kanshi-dlq';

/** One permission: a principal may do `operations` on a resource. */
export interface AclGrant {
  readonly principal: string;
  readonly resource: 'topic' | 'group';
  readonly name: string;
  /** `prefixed`: every resource whose name starts with `name`. */
  readonly pattern: 'literal' | 'prefixed';
  readonly operations: readonly ('read' | 'write' | 'describe' | 'delete')[];
}

/**
 * What each role may do, and nothing more (the broker denies anything without an ACL). Only
 * the engine may read telemetry or touch its consumer group; producers may only write
 * telemetry, so they can neither read other tenants' events or dead letters nor move the
 * engine's offsets.
 */
export function kanshiAclPlan(engineGroupId: string): AclGrant[] {
  const { engine, gateway, producer, operator } = KAFKA_PRINCIPALS;
  const telemetry = { resource: 'topic', name: TOPICS.telemetry, pattern: 'literal' } as const;
  const deadLetters = { resource: 'topic', name: TOPICS.telemetryDeadLetter, pattern: 'literal' } as const;
  return [
    { principal: engine, ...telemetry, operations: ['read', 'write', 'describe'] },
    { principal: engine, ...deadLetters, operations: ['write', 'describe'] },
    // Prefixed: instances, tests and benchmarks run groups named after the configured one.
    { principal: engine, resource: 'group', name: engineGroupId, pattern: 'prefixed', operations: ['read', 'describe'] },
    { principal: gateway, ...telemetry, operations: ['write', 'describe'] },
    { principal: producer, ...telemetry, operations: ['write', 'describe'] },
    { principal: operator, ...deadLetters, operations: ['read', 'describe'] },
    // Read too: a tenant's quota refusals stay on the telemetry topic (in-place dead letters), and a replay reads them there.
    { principal: operator, ...telemetry, operations: ['read', 'write', 'describe'] },
    // Delete: the tool removes each throwaway group when its read is done.
    { principal: operator, resource: 'group', name: DLQ_TOOL_GROUP_PREFIX, pattern: 'prefixed', operations: ['read', 'describe', 'delete'] },
  ];
}

const OPERATIONS = { read: AclOperationTypes.READ, write: AclOperationTypes.WRITE, describe: AclOperationTypes.DESCRIBE, delete: AclOperationTypes.DELETE } as const;

/** The plan as kafkajs ACL entries. */
export function aclEntries(plan: readonly AclGrant[]): AclEntry[] {
  return plan.flatMap((grant) =>
    grant.operations.map((operation) => ({
      resourceType: grant.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
      resourceName: grant.name,
      resourcePatternType: grant.pattern === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
      principal: `User:${grant.principal}`,
      host: '*',
      operation: OPERATIONS[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

/** Creates the plan's ACLs (creating one that exists changes nothing); needs a principal allowed to alter ACLs. */
export async function ensureAcls(kafka: Kafka, plan: readonly AclGrant[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const entries = aclEntries(plan);
    await admin.createAcls({ acl: entries });
    return entries.length;
  } finally {
    await admin.disconnect();
  }
}
