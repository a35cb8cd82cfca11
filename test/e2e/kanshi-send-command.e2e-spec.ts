import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { logLevel, type Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { parseIngestKey, parseTelemetrySignature, SIGNATURE_HEADER, verifyTelemetryMac, type TelemetryEvent } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf } from '@kanshi/messaging';
import { createTenantFixture, uniqueId, type TenantFixture } from '@kanshi/testing';
import { eventBuilders } from '@kanshi/telemetry-client';
import { createTopic, deleteTopics, readTopic, recordCount } from '@kanshi/testing';
import { startIngestGateway } from '../../apps/ingest-gateway/src/main';
import { kafkaSecurityEnv } from '../../infra/scripts/local-kafka';
import { requireBuild, ROOT } from './run-built-app';

const CLI = join(ROOT, 'dist/libs/telemetry-client/src/cli/kanshi.js');

/** Runs the built `kanshi` command as a user would, with only `env` added to a clean environment. */
function kanshi(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/** A JSONL file of `good` valid events with three bad lines among them: a schema break, broken JSON, a blank line. */
function writeEvents(dir: string, tenantId: string, good: number): { path: string; ids: string[] } {
  const events = eventBuilders({ tenant_id: tenantId, model_id: 'credit' });
  const lines: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < good; i += 1) {
    const event = events.drift_metric({ payload: { feature: `f${i}`, metric: 'psi', value: i / 100 } });
    ids.push(event.event_id);
    lines.push(JSON.stringify(event));
    if (i === 4) lines.push(JSON.stringify({ ...event, event_id: 'bad-metric', payload: { feature: 'f', metric: 'emd', value: 1 } }));
    if (i === 9) lines.push('{"event_id": "cut-off", "tenant');
    if (i === 14) lines.push('');
  }
  const path = join(dir, `${tenantId}.jsonl`);
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return { path, ids };
}

describe('kanshi send (real Kafka and gateway)', () => {
  const connection = kafkaConnectionOf(loadConfig());
  const { brokers } = connection;
  let kafka: Kafka;
  let dir: string;
  const topics: string[] = [];

  beforeAll(() => {
    requireBuild();
    kafka = createKafkaClient(connection, uniqueId('kanshi-cli-int'));
    kafka.logger().setLogLevel(logLevel.ERROR);
    dir = mkdtempSync(join(tmpdir(), 'kanshi-cli-'));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (topics.length > 0) await deleteTopics(kafka, topics);
  });

  it('streams a file to Kafka: the good lines arrive once each, the bad ones are in the summary, exit 1', async () => {
    const topic = uniqueId('test.kanshi-cli');
    topics.push(topic);
    await createTopic(kafka, topic, 2);
    const tenant = uniqueId('cli');
    const { path, ids } = writeEvents(dir, tenant, 40);
    // A topic of the test's own (the test principal may write it), so any ingest key of the right form will do.
    const ingestKey = `kanshi_ingest_0123456789ab_${'c'.repeat(43)}`;
    const run = await kanshi(['send', path, '--kafka', brokers.join(','), '--topic', topic, '--batch', '7'], { ...kafkaSecurityEnv(), KANSHI_INGEST_KEY: ingestKey });

    expect(run.code).toBe(1);
    const summary = run.stdout.split('\n');
    expect(summary.slice(0, 5)).toEqual([
      `kanshi send → kafka ${brokers.join(',')} topic ${topic}`,
      '  read        42 lines (and 1 blank)',
      '  sent        40',
      '  rejected    1',
      '    1 × SCHEMA_INVALID /payload/metric: must be equal to one of the allowed values (expected ["psi","ks","js"]) (line 6)',
    ]);
    expect(summary[5]).toBe('  unparsable  1');
    expect(summary[6]).toMatch(/^ {4}line 12: .*JSON/);
    expect(summary.slice(7)).toEqual(['  unsent      0', '']);
    expect(run.stderr).toMatch(/^kanshi send: 100% {2}42 read {2}40 sent {2}2 rejected/m);

    expect(await recordCount(kafka, topic)).toBe(40);
    const records = await readTopic(kafka, topic, 40, uniqueId('kanshi-cli-read'));
    expect(records.map((r) => (JSON.parse(r.value) as TelemetryEvent).event_id).sort()).toEqual([...ids].sort());
    expect(new Set(records.map((r) => r.key))).toEqual(new Set([`${tenant}:credit`]));
    // Every record signed with the ingest key, over its key and value.
    const secret = parseIngestKey(ingestKey)!.secret;
    for (const r of records) expect(verifyTelemetryMac(parseTelemetrySignature(r.headers[SIGNATURE_HEADER])!, secret, r.key, r.value)).toBe(true);
  });

  it('refuses --kafka without an ingest key, saying where one comes from', async () => {
    const run = await kanshi(['send', join(dir, 'none.jsonl'), '--kafka', brokers.join(',')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('KANSHI_INGEST_KEY');
    expect(run.stderr).toContain('POST /v1/ingest-keys');
  });

  describe('through the gateway', () => {
    let gateway: INestApplication;
    let url: string;
    let tenant: TenantFixture;

    beforeAll(async () => {
      gateway = await startIngestGateway(loadConfig({ ...process.env, KANSHI_GATEWAY_PORT: '0' }));
      url = `http://127.0.0.1:${((gateway.getHttpServer() as Server).address() as AddressInfo).port}`;
      tenant = await createTenantFixture(gateway.get(DataSource), uniqueId('cli-gw'));
    });

    afterAll(async () => {
      await gateway?.close();
    });

    it('takes the API key from KANSHI_API_KEY and exits 0 when every line is sent', async () => {
      const events = eventBuilders({ tenant_id: tenant.tenantId, model_id: 'triage' });
      const path = join(dir, 'all-good.jsonl');
      writeFileSync(path, Array.from({ length: 12 }, (_, i) => JSON.stringify(events.prediction({ payload: { score: i / 12 } }))).join('\n'));
      const run = await kanshi(['send', path, '--gateway', url, '--batch', '5'], { KANSHI_API_KEY: tenant.keys.producer });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('  sent        12\n');
      expect(run.stdout).toContain('  rejected    0\n');
    });

    it('stops at a batch the gateway refuses as a whole (a key of another tenant) and reports it unsent', async () => {
      const events = eventBuilders({ tenant_id: 'someone-else', model_id: 'triage' });
      const path = join(dir, 'other-tenant.jsonl');
      writeFileSync(path, Array.from({ length: 3 }, () => JSON.stringify(events.prediction({ payload: { score: 0.5 } }))).join('\n'));
      const run = await kanshi(['send', path, '--gateway', url, '--api-key', tenant.keys.producer]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/ {2}unsent {6}3\n {4}3 × gateway http:\/\/127\.0\.0\.1:\d+ answered 403: .*tenant/);
    });
  });
});
