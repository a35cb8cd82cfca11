import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';
import { aclEntries, DLQ_TOOL_GROUP_PREFIX, KAFKA_PRINCIPALS, kanshiAclPlan } from './kafka-acls';

describe('Kanshi’s Kafka ACL plan', () => {
  const plan = kanshiAclPlan('kanshi-policy-engine');
  const may = (principal: string, resource: 'topic' | 'group', name: string) =>
    plan.filter((g) => g.principal === principal && g.resource === resource && (g.pattern === 'literal' ? g.name === name : name.startsWith(g.name))).flatMap((g) => g.operations).sort();

  it('lets only the engine (and the operator, replaying quota refusals) read telemetry, and only the engine use its consumer group', () => {
    expect(may(KAFKA_PRINCIPALS.engine, 'topic', TOPICS.telemetry)).toEqual(['describe', 'read', 'write']);
    expect(may(KAFKA_PRINCIPALS.engine, 'topic', TOPICS.telemetryDeadLetter)).toEqual(['describe', 'write']);
    expect(may(KAFKA_PRINCIPALS.engine, 'group', 'kanshi-policy-engine-e2e-1')).toEqual(['describe', 'read']);
    for (const other of [KAFKA_PRINCIPALS.gateway, KAFKA_PRINCIPALS.producer]) expect(may(other, 'topic', TOPICS.telemetry)).not.toContain('read');
    for (const other of [KAFKA_PRINCIPALS.gateway, KAFKA_PRINCIPALS.producer, KAFKA_PRINCIPALS.operator]) {
      expect(may(other, 'group', 'kanshi-policy-engine')).toEqual([]);
    }
  });

  it('lets producers and the gateway write telemetry and nothing else', () => {
    for (const writer of [KAFKA_PRINCIPALS.gateway, KAFKA_PRINCIPALS.producer]) {
      expect(plan.filter((g) => g.principal === writer).map((g) => [g.resource, g.name, [...g.operations].sort()])).toEqual([['topic', TOPICS.telemetry, ['describe', 'write']]]);
    }
  });

  it('lets the operator read dead letters in its own groups and replay them', () => {
    expect(may(KAFKA_PRINCIPALS.operator, 'topic', TOPICS.telemetryDeadLetter)).toEqual(['describe', 'read']);
    expect(may(KAFKA_PRINCIPALS.operator, 'group', `${DLQ_TOOL_GROUP_PREFIX}-inspect-1234`)).toEqual(['delete', 'describe', 'read']);
    expect(may(KAFKA_PRINCIPALS.operator, 'group', `${DLQ_TOOL_GROUP_PREFIX}-replay-1234`)).toEqual(['delete', 'describe', 'read']);
    expect(may(KAFKA_PRINCIPALS.operator, 'topic', TOPICS.telemetry)).toEqual(['describe', 'read', 'write']);
  });

  it('becomes one ALLOW entry per operation, prefixed where the plan says', () => {
    const entries = aclEntries(plan);
    expect(entries).toHaveLength(plan.reduce((n, g) => n + g.operations.length, 0));
    expect(entries).toContainEqual({
      resourceType: AclResourceTypes.GROUP,
      resourceName: 'kanshi-policy-engine',
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: 'User:kanshi-engine',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    });
    expect(entries.every((e) => e.permissionType === AclPermissionTypes.ALLOW)).toBe(true);
  });
});
