import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { JOBS, notificationGroupKey, QUEUES, type AlertClockJob, type EscalateAlertJob, type JobName, type QueueName, type RaiseAlertJob, type Severity, type SilenceTimerJob } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { AlertingSettingsRepository, AlertWrites, SilenceRepository } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, raiseAlertJob, uniqueId, waitFor } from '@kanshi/testing';
import { AlertFollowUps } from './alert-follow-ups.service';
import { NotificationRuns } from './notification-runs.service';
import { AlertQueue, BullJobQueue, QueueInspector, type JobRecord } from '@kanshi/queue';
import { DEFAULT_ALERTING_SETTINGS, mergeAlertingSettings, type AlertingSettingsPatch } from '@kanshi/alerting-core';
import { SIGNATURE_HEADER, verifySignature } from './channels/signature';
import { createWorkerTestApp } from './worker-test-app';

const prefix = uniqueId('kanshi-test-n');
// The receivers listen on 127.0.0.1, which the worker refuses unless allowlisted; the rest of loopback stays refused.
const config = loadConfig({ ...process.env, KANSHI_QUEUE_PREFIX: prefix, KANSHI_PUBLIC_URL: 'https://kanshi.example.test', KANSHI_OUTBOUND_ALLOWLIST: '127.0.0.1/32' });
const SECRET = 'test-signing-secret-0123456789';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: { id: string; kind: string; level: number; alerts: { id: string; url: string; repeat: boolean }[]; silence: { id: string } | null };
}

/** A probe of in-memory state for `waitFor`. */
const sync = <T>(probe: () => T | undefined) => () => Promise.resolve(probe());

/** A real HTTP receiver on loopback; `answer` decides each response's status from the request count, `body` what it says. */
class Receiver {
  readonly received: Received[] = [];
  private server: Server | undefined;
  constructor(
    private readonly answer: (n: number) => number = () => 200,
    private readonly body = '',
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({ headers: req.headers, body, json: JSON.parse(body) as Received['json'] });
        res.statusCode = this.answer(this.received.length);
        res.end(this.body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/hook`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('notifications, escalation, clocks and silences (real Redis, PostgreSQL and receivers)', () => {
  const redis = new Redis(config.values.redisUrl);
  let app: INestApplication;
  let dataSource: DataSource;
  let producer: AlertQueue;
  let producerJobs: BullJobQueue;
  const receivers: Receiver[] = [];
  const queues = new QueueInspector(config.values.redisUrl, prefix);

  /** Waits for the delayed job of `name` whose payload `match` picks, as the worker scheduled it. */
  const delayedJob = <T>(queue: QueueName, name: JobName, match: (data: T) => boolean) =>
    waitFor(`a delayed ${name}`, async () => (await queues.jobs(queue, ['delayed'])).find((j) => j.name === name && match(j.data as T)));
  /** Runs a delayed job now, as its time would: the schedule is the planner's (unit-tested with a fake clock); this tests the wiring. */
  const runNow = async (queue: QueueName, job: JobRecord) => expect(await queues.promote(queue, job.id)).toBe(true);
  /** Within the few milliseconds between planning a delay and BullMQ stamping the job. */
  const expectDueAround = async (queue: QueueName, job: JobRecord, at: number) => expect(Math.abs(((await queues.dueAt(queue, job.id)) ?? Number.NaN) - at)).toBeLessThan(5000);

  async function startWorker(): Promise<void> {
    ({ app, dataSource } = await createWorkerTestApp(config));
    await app.init();
  }

  beforeAll(async () => {
    await startWorker();
    producerJobs = new BullJobQueue(config.values.redisUrl, config.values.queuePrefix);
    producer = new AlertQueue(producerJobs, config);
  });

  afterAll(async () => {
    await app.close();
    await producerJobs.close();
    await queues.close();
    await Promise.all(receivers.map((r) => r.stop()));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** A tenant with fast settings (below the API's limits: written straight to the table), one webhook channel per receiver and routes to them. */
  async function tenantWith(patch: AlertingSettingsPatch, channels: { receiver: Receiver; level?: number; config?: Record<string, unknown> }[]) {
    const tenantId = uniqueId('tn');
    await createTenantFixture(dataSource, tenantId);
    const settings = mergeAlertingSettings(DEFAULT_ALERTING_SETTINGS, patch);
    await app.get(AlertingSettingsRepository).put(tenantId, settings, 'test');
    const channelIds: string[] = [];
    for (const [i, c] of channels.entries()) {
      receivers.push(c.receiver);
      const url = typeof c.config?.['url'] === 'string' ? c.config['url'] : await c.receiver.start();
      const [row] = await dataSource.query<{ id: string }[]>(
        `INSERT INTO notification_channels (tenant_id, name, kind, config, secret, created_by) VALUES ($1, $2, 'webhook', $3, $4, 'test') RETURNING id`,
        [tenantId, `hook-${i}`, JSON.stringify({ timeout_ms: 2000, max_attempts: 5, backoff_ms: 1000, ...c.config, url }), SECRET],
      );
      channelIds.push(row?.id ?? '');
      await dataSource.query(`INSERT INTO notification_routes (tenant_id, name, level, channel_ids, created_by) VALUES ($1, $2, $3, $4::uuid[], 'test')`, [
        tenantId,
        `route-${i}`,
        c.level ?? 0,
        [row?.id],
      ]);
    }
    return { tenantId, channelIds };
  }

  function job(tenantId: string, modelId: string, severity: Severity = 'high', extra: Partial<RaiseAlertJob> = {}): RaiseAlertJob {
    const base = raiseAlertJob(tenantId, modelId, []);
    return { ...base, ...extra, findings: [findingRecord(extra.fingerprint ?? base.fingerprint, severity)] };
  }

  async function alertOf(tenantId: string, modelId: string) {
    return waitFor(`alert of ${modelId}`, async () => {
      const [row] = await dataSource.query<{ id: string; status: string; severity: string; escalation_level: number }[]>(
        `SELECT id, status, severity, escalation_level FROM alerts WHERE tenant_id = $1 AND model_id = $2`,
        [tenantId, modelId],
      );
      return row;
    });
  }

  const historyOf = (alertId: string) =>
    dataSource.query<{ action: string; details: Record<string, unknown> }[]>(`SELECT action, details FROM alert_history WHERE alert_id = $1 ORDER BY id`, [alertId]);

  it('groups alerts raised within the group wait into one signed notification per channel, and repeats a still-firing alert', async () => {
    const receiver = new Receiver();
    const { tenantId } = await tenantWith({ severities: { high: { group_wait: '1h', repeat_interval: '1h', ack_sla: null } } }, [{ receiver }]);
    const first = job(tenantId, 'model-g');
    const second = job(tenantId, 'model-g', 'high', { fingerprint: 'other-scope', scope: 'feature:age', rule_id: 'F7' });
    await producer.enqueue([first]);
    await alertOf(tenantId, 'model-g');
    await producer.enqueue([second]);
    await waitFor('both alerts', async () => ((await dataSource.query<unknown[]>(`SELECT id FROM alerts WHERE tenant_id = $1`, [tenantId])).length === 2 ? true : undefined));

    // One group run for both, an hour after the first asked for it.
    const isTenant = (d: { tenant_id: string }) => d.tenant_id === tenantId;
    const run = await delayedJob(QUEUES.notifications, JOBS.notifyGroup, isTenant);
    expect((await queues.jobs(QUEUES.notifications, ['delayed'])).filter((j) => j.name === JOBS.notifyGroup && isTenant(j.data as { tenant_id: string }))).toHaveLength(1);
    expect(((await queues.dueAt(QUEUES.notifications, run.id)) ?? 0) - Date.now()).toBeGreaterThan(3_500_000);
    await runNow(QUEUES.notifications, run);

    const [message] = await waitFor('the grouped notification', sync(() => (receiver.received.length >= 1 ? receiver.received : undefined)));
    const alerts = await dataSource.query<{ id: string }[]>(`SELECT id FROM alerts WHERE tenant_id = $1 ORDER BY id`, [tenantId]);
    expect(alerts).toHaveLength(2);
    expect(message?.json.kind).toBe('firing');
    expect(message?.json.alerts.map((a) => a.id).sort()).toEqual(alerts.map((a) => a.id));
    expect(message?.json.alerts[0]?.url).toMatch(/^https:\/\/kanshi\.example\.test\/alerts\/[0-9a-f-]{36}$/);
    expect(message?.headers['idempotency-key']).toBe(message?.json.id);
    expect(verifySignature(SECRET, String(message?.headers[SIGNATURE_HEADER.toLowerCase()]), message?.body ?? '')).toBe(true);
    expect(verifySignature('another-secret-0123456789', String(message?.headers[SIGNATURE_HEADER.toLowerCase()]), message?.body ?? '')).toBe(false);

    // Still firing, unacknowledged: the group's next run is queued at the repeat interval. Two
    // hours on (the rows' notification time moved back), that run notifies both again as repeats.
    const next = await delayedJob(QUEUES.notifications, JOBS.notifyGroup, isTenant);
    await dataSource.query(`UPDATE alerts SET notified_at = notified_at - interval '2 hours' WHERE tenant_id = $1`, [tenantId]);
    await runNow(QUEUES.notifications, next);
    const repeat = await waitFor('the repeat', sync(() => receiver.received[1]));
    expect(repeat.json.alerts.every((a) => a.repeat)).toBe(true);
    expect(receiver.received).toHaveLength(2);
  });

  it('runs many groups in one transaction: one notification per group and channel, a group asked twice notified once, and each group\'s next run planned', async () => {
    const receiver = new Receiver();
    const { tenantId } = await tenantWith({ severities: { high: { group_wait: '1h', repeat_interval: '1h', ack_sla: null } } }, [{ receiver }]);
    const models = ['model-b1', 'model-b2', 'model-b3'];
    await producer.enqueue(models.map((m) => job(tenantId, m)));
    for (const m of models) await alertOf(tenantId, m);

    const runs = app.get(NotificationRuns);
    const request = (modelId: string) => ({ tenantId, groupKey: notificationGroupKey({ model_id: modelId, severity: 'high' }), modelId, severity: 'high', repeatMs: 3_600_000 });
    const now = new Date();
    const results = await runs.runGroups([...models.map(request), request('model-b2'), request('model-none')], now);

    expect(results.map((r) => [r.notified, r.pending.length])).toEqual([[1, 1], [1, 1], [1, 1], [0, 0], [0, 0]]);
    expect(results.slice(0, 4).map((r) => r.nextRunAt?.getTime())).toEqual(Array(4).fill(now.getTime() + 3_600_000));
    expect(results[4]?.nextRunAt).toBeNull();
    const stored = await dataSource.query<{ alert_model: string }[]>(
      `SELECT a.model_id AS alert_model FROM notifications n JOIN alerts a ON a.id = ANY(n.alert_ids) WHERE n.tenant_id = $1 ORDER BY 1`,
      [tenantId],
    );
    expect(stored.map((r) => r.alert_model)).toEqual(models);
    const groups = await dataSource.query<{ group_key: string; next_run_at: Date | null; last_run_at: Date | null }[]>(
      `SELECT group_key, next_run_at, last_run_at FROM notification_groups WHERE tenant_id = $1 AND last_run_at IS NOT NULL ORDER BY group_key`,
      [tenantId],
    );
    expect(groups).toHaveLength(4);
    expect(groups.filter((g) => g.next_run_at === null)).toHaveLength(1);
    // Run again at once: nothing is due any more.
    expect((await runs.runGroups(models.map(request), new Date())).map((r) => r.notified)).toEqual([0, 0, 0]);
  });

  it('retries a failing webhook with backoff until it answers: one delivered notification, every attempt recorded', async () => {
    const receiver = new Receiver((n) => (n <= 3 ? 503 : 200));
    const { tenantId } = await tenantWith({ severities: { high: { group_wait: '100ms', ack_sla: null } } }, [{ receiver }]);
    await producer.enqueue([job(tenantId, 'model-r')]);
    const alert = await alertOf(tenantId, 'model-r');

    const [notification] = await waitFor('delivery', async () => {
      const rows = await dataSource.query<{ id: string; status: string; attempts: number }[]>(`SELECT id, status, attempts FROM notifications WHERE tenant_id = $1`, [tenantId]);
      return rows[0]?.status === 'delivered' ? rows : undefined;
    });
    expect(notification?.attempts).toBe(4);
    const attempts = await dataSource.query<{ attempt: number; ok: boolean; http_status: number }[]>(
      `SELECT attempt, ok, http_status FROM delivery_attempts WHERE notification_id = $1 ORDER BY id`,
      [notification?.id],
    );
    expect(attempts).toEqual([
      { attempt: 1, ok: false, http_status: 503 },
      { attempt: 2, ok: false, http_status: 503 },
      { attempt: 3, ok: false, http_status: 503 },
      { attempt: 4, ok: true, http_status: 200 },
    ]);
    // Every attempt carries the same idempotency key and a valid signature.
    expect(new Set(receiver.received.map((r) => r.headers['idempotency-key']))).toEqual(new Set([notification?.id]));
    expect(receiver.received.every((r) => verifySignature(SECRET, String(r.headers[SIGNATURE_HEADER.toLowerCase()]), r.body))).toBe(true);
    expect(receiver.received.every((r) => r.json.alerts[0]?.id === alert.id)).toBe(true);
  });

  it('keeps only the status line of an answer, and refuses a channel aimed at an internal service without connecting to it', async () => {
    const chatty = new Receiver(() => 502, '-ERR wrong number of arguments for GET\r\n$13\r\nredis-secret1\r\n');
    let connections = 0;
    // A service on loopback standing in for Redis or Kafka, at an address the allowlist does not name.
    const service = createTcpServer((socket) => {
      connections += 1;
      socket.end('-ERR\r\n');
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.2', resolve));
    const internalUrl = `http://127.0.0.2:${(service.address() as AddressInfo).port}/`;
    try {
      const { tenantId } = await tenantWith({ severities: { high: { group_wait: '100ms', ack_sla: null } } }, [
        { receiver: chatty, config: { max_attempts: 1 } },
        { receiver: new Receiver(), config: { url: internalUrl } },
      ]);
      await producer.enqueue([job(tenantId, 'model-ssrf')]);
      const rows = await waitFor('both notifications to fail', async () => {
        const found = await dataSource.query<{ url: string; status: string; attempts: number; last_error: string; errors: string[] }[]>(
          `SELECT c.config->>'url' AS url, n.status, n.attempts, n.last_error, array_agg(d.error ORDER BY d.id) AS errors
             FROM notifications n JOIN notification_channels c ON c.id = n.channel_id JOIN delivery_attempts d ON d.notification_id = n.id
            WHERE n.tenant_id = $1 GROUP BY 1, 2, 3, 4`,
          [tenantId],
        );
        return found.length === 2 && found.every((r) => r.status === 'failed') ? found : undefined;
      });

      const refused = `refused: 127.0.0.2 is a loopback address (set KANSHI_OUTBOUND_ALLOWLIST to allow it)`;
      expect(rows.find((r) => r.url === internalUrl)).toEqual({ url: internalUrl, status: 'failed', attempts: 1, last_error: refused, errors: [refused] });
      expect(rows.find((r) => r.url !== internalUrl)).toMatchObject({ attempts: 1, last_error: 'HTTP 502 Bad Gateway', errors: ['HTTP 502 Bad Gateway'] });
      expect(JSON.stringify(rows)).not.toMatch(/ERR|redis-secret1/);
      expect(chatty.received).toHaveLength(1);
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => service.close(() => resolve()));
    }
  });

  it('gives up on a receiver that never recovers: a terminal failure on record, and the worker goes on', async () => {
    const broken = new Receiver(() => 500);
    const healthy = new Receiver();
    const { tenantId } = await tenantWith({ severities: { high: { group_wait: '100ms', ack_sla: null } } }, [{ receiver: broken, config: { max_attempts: 3 } }]);
    await producer.enqueue([job(tenantId, 'model-f')]);
    const failed = await waitFor('the terminal failure', async () => {
      const [row] = await dataSource.query<{ status: string; attempts: number; last_error: string; failed_at: Date | null }[]>(
        `SELECT status, attempts, last_error, failed_at FROM notifications WHERE tenant_id = $1`,
        [tenantId],
      );
      return row?.status === 'failed' ? row : undefined;
    });
    expect(failed.attempts).toBe(3);
    expect(failed.failed_at).not.toBeNull();
    expect(failed.last_error).toMatch(/500/);
    expect(broken.received).toHaveLength(3);

    const other = await tenantWith({ severities: { high: { group_wait: '100ms', ack_sla: null } } }, [{ receiver: healthy }]);
    await producer.enqueue([job(other.tenantId, 'model-ok')]);
    await waitFor('the next delivery', sync(() => (healthy.received.length === 1 ? true : undefined)));
  });

  it('escalates an alert nobody acknowledged within the SLA to the next level, and not an acknowledged one', async () => {
    const first = new Receiver();
    const second = new Receiver();
    const { tenantId } = await tenantWith({ severities: { high: { group_wait: '100ms', ack_sla: '1h' } }, max_escalation_level: 1 }, [
      { receiver: first },
      { receiver: second, level: 1 },
    ]);
    await producer.enqueue([job(tenantId, 'model-e'), job(tenantId, 'model-acked')]);
    const acked = await alertOf(tenantId, 'model-acked');
    const alert = await alertOf(tenantId, 'model-e');
    const escalationOf = (alertId: string) => delayedJob<EscalateAlertJob>(QUEUES.escalations, JOBS.escalateAlert, (d) => d.alert_id === alertId);
    const [unacked, ackedJob] = [await escalationOf(alert.id), await escalationOf(acked.id)];
    // Due one SLA after the alert opened.
    const [opened] = await dataSource.query<{ opened_at: Date }[]>(`SELECT opened_at FROM alerts WHERE id = $1`, [alert.id]);
    await expectDueAround(QUEUES.escalations, unacked, (opened?.opened_at.getTime() ?? 0) + 3_600_000);
    await dataSource.query(`UPDATE alerts SET status = 'acknowledged', acknowledged_at = now() WHERE id = $1`, [acked.id]);

    await runNow(QUEUES.escalations, unacked);
    await runNow(QUEUES.escalations, ackedJob);
    const escalation = await waitFor('the escalation', sync(() => second.received[0]));
    expect(escalation.json).toMatchObject({ kind: 'escalation', level: 1 });
    expect(escalation.json.alerts.map((a) => a.id)).toEqual([alert.id]);
    expect((await alertOf(tenantId, 'model-e')).escalation_level).toBe(1);
    expect((await historyOf(alert.id)).map((h) => h.action)).toContain('escalated');
    // The acknowledged alert's escalation ran too, and changed nothing.
    await waitFor('the acknowledged alert’s escalation job', async () => ((await queues.state(QUEUES.escalations, ackedJob.id)) === 'completed' ? true : undefined));
    expect(second.received).toHaveLength(1);
    expect((await alertOf(tenantId, 'model-acked')).escalation_level).toBe(0);
  });

  it('records a silenced alert without notifying it, reminds before the silence ends, and notifies once it has ended', async () => {
    const receiver = new Receiver();
    const { tenantId } = await tenantWith({ severities: { high: { group_wait: '100ms', ack_sla: null } }, silence_reminder: '30m' }, [{ receiver }]);
    const endsAt = new Date(Date.now() + 3_600_000);
    const [silence] = await dataSource.query<{ id: string; starts_at: Date; ends_at: Date }[]>(
      `INSERT INTO silences (tenant_id, rule_ids, reason, starts_at, ends_at, created_by) VALUES ($1, '{G1}', 'maintenance', now(), $2, 'test') RETURNING id, starts_at, ends_at`,
      [tenantId, endsAt],
    );
    if (!silence) throw new Error('no silence');
    await app.get(AlertFollowUps).afterSilenceChange(tenantId, { id: silence.id, startsAt: silence.starts_at, endsAt: silence.ends_at });
    await producer.enqueue([job(tenantId, 'model-s')]);

    const alert = await waitFor('the silenced alert', async () => {
      const row = await alertOf(tenantId, 'model-s');
      return row.status === 'silenced' ? row : undefined;
    });
    const [suppressed] = await dataSource.query<{ status: string; silence_id: string }[]>(`SELECT status, silence_id FROM notifications WHERE tenant_id = $1`, [tenantId]);
    expect(suppressed).toEqual({ status: 'suppressed', silence_id: silence.id });

    // The reminder is due half an hour before the end.
    const remind = await delayedJob<SilenceTimerJob>(QUEUES.escalations, JOBS.remindSilence, (d) => d.silence_id === silence.id);
    await expectDueAround(QUEUES.escalations, remind, endsAt.getTime() - 1_800_000);
    await runNow(QUEUES.escalations, remind);
    const reminder = await waitFor('the silence reminder', sync(() => receiver.received[0]));
    expect(reminder.json).toMatchObject({ kind: 'silence_expiring', silence: { id: silence.id } });
    expect(reminder.json.alerts.map((a) => a.id)).toEqual([alert.id]);

    // Ended early, as the API ends it: the alert fires again and is notified.
    expect((await app.get(SilenceRepository).expireNow(tenantId, silence.id)).outcome).toBe('saved');
    const fired = await waitFor('the notification after the silence', sync(() => receiver.received[1]));
    expect(fired.json).toMatchObject({ kind: 'firing' });
    expect(fired.json.alerts.map((a) => a.id)).toEqual([alert.id]);
    expect((await alertOf(tenantId, 'model-s')).status).toBe('firing');
    expect((await historyOf(alert.id)).map((h) => h.action)).toEqual(expect.arrayContaining(['created', 'silenced', 'unsilenced']));
  });

  it('reminds at the set point before a regulatory deadline and raises the alert to critical when it passes', async () => {
    const receiver = new Receiver();
    const { tenantId } = await tenantWith({ severities: { medium: { group_wait: '100ms', ack_sla: null } }, clock_reminders: ['30m'], clock_critical_within: '1m' }, [{ receiver }]);
    const dueAt = new Date(Date.now() + 3_600_000);
    await producer.enqueue([job(tenantId, 'model-c', 'medium', { due_at: dueAt.toISOString() })]);
    const alert = await alertOf(tenantId, 'model-c');
    const clockJob = (point: AlertClockJob['point']) => delayedJob<AlertClockJob>(QUEUES.escalations, JOBS.alertClock, (d) => d.alert_id === alert.id && d.point === point);

    const remind = await clockJob('reminder');
    await expectDueAround(QUEUES.escalations, remind, dueAt.getTime() - 1_800_000);
    await runNow(QUEUES.escalations, remind);
    const reminder = await waitFor('the reminder', sync(() => receiver.received.find((r) => r.json.kind === 'reminder')));
    expect(reminder.json.alerts.map((a) => a.id)).toEqual([alert.id]);

    const deadline = await clockJob('deadline');
    await expectDueAround(QUEUES.escalations, deadline, dueAt.getTime());
    await runNow(QUEUES.escalations, deadline);
    const missed = await waitFor('the missed deadline', sync(() => receiver.received.find((r) => r.json.kind === 'deadline_missed')));
    expect(missed.json.alerts.map((a) => a.id)).toEqual([alert.id]);
    expect((await alertOf(tenantId, 'model-c')).severity).toBe('critical');
    const actions = (await historyOf(alert.id)).map((h) => h.action);
    expect(actions).toEqual(expect.arrayContaining(['reminded', 'deadline_missed', 'severity_raised']));
  });

  it('makes an alert critical at once when its deadline is in its last days and no report is recorded, and says so once', async () => {
    const receiver = new Receiver();
    const { tenantId } = await tenantWith({ severities: { medium: { group_wait: '100ms', ack_sla: null } }, clock_reminders: [] }, [{ receiver }]);
    // Due in a day: inside the default last three days from the start.
    const dueAt = new Date(Date.now() + 86_400_000);
    await producer.enqueue([job(tenantId, 'model-late', 'medium', { due_at: dueAt.toISOString() })]);
    const alert = await alertOf(tenantId, 'model-late');
    const raised = await waitFor('the raise to critical', async () => {
      const row = await alertOf(tenantId, 'model-late');
      return row.severity === 'critical' ? row : undefined;
    });
    expect(raised.id).toBe(alert.id);
    const message = await waitFor('the last-days message', sync(() => receiver.received.find((r) => r.json.kind === 'reminder')));
    expect(message.json.alerts.map((a) => a.id)).toEqual([alert.id]);
    const history = await historyOf(alert.id);
    expect(history.filter((h) => h.action === 'severity_raised')).toEqual([expect.objectContaining({ details: expect.objectContaining({ why: 'clock_running_out', before: '3d', to: 'critical' }) })]);
    // The deadline still comes; the alert is critical already, so nothing is raised again.
    const deadline = await delayedJob<AlertClockJob>(QUEUES.escalations, JOBS.alertClock, (d) => d.alert_id === alert.id && d.point === 'deadline');
    await runNow(QUEUES.escalations, deadline);
    await waitFor('the missed deadline', sync(() => receiver.received.find((r) => r.json.kind === 'deadline_missed')));
    expect((await historyOf(alert.id)).filter((h) => h.action === 'severity_raised')).toHaveLength(1);
  });

  it('stops a regulatory clock once its report is recorded as submitted: no missed deadline, no raise to critical', async () => {
    const receiver = new Receiver();
    const { tenantId } = await tenantWith({ severities: { medium: { group_wait: '100ms', ack_sla: null } }, clock_reminders: ['30m'], clock_critical_within: '1m' }, [{ receiver }]);
    const dueAt = new Date(Date.now() + 3_600_000);
    await producer.enqueue([job(tenantId, 'model-filed', 'medium', { due_at: dueAt.toISOString() })]);
    const alert = await alertOf(tenantId, 'model-filed');
    const deadline = await delayedJob<AlertClockJob>(QUEUES.escalations, JOBS.alertClock, (d) => d.alert_id === alert.id && d.point === 'deadline');

    const recorded = await app.get(AlertWrites).apply(tenantId, alert.id, { kind: 'record-report', reference: 'PMDA-2026-7', submittedAt: new Date() }, { actor: 'test', actorName: null });
    expect(recorded.outcome).toBe('applied');
    await runNow(QUEUES.escalations, deadline);
    await waitFor('the deadline job', async () => ((await queues.state(QUEUES.escalations, deadline.id)) === 'completed' ? true : undefined));
    expect((await alertOf(tenantId, 'model-filed')).severity).toBe('medium');
    expect((await historyOf(alert.id)).map((h) => h.action)).not.toContain('deadline_missed');
    expect(receiver.received.filter((r) => r.json.kind === 'deadline_missed')).toEqual([]);
  });

  it('escalates on time across a worker restart: the delayed job waits in Redis, not in the worker', async () => {
    const first = new Receiver();
    const second = new Receiver();
    const { tenantId } = await tenantWith({ severities: { high: { group_wait: '100ms', ack_sla: '1h' } }, max_escalation_level: 1 }, [
      { receiver: first },
      { receiver: second, level: 1 },
    ]);
    await producer.enqueue([job(tenantId, 'model-restart')]);
    const alert = await alertOf(tenantId, 'model-restart');
    await waitFor('the first notification', sync(() => first.received[0]));
    const escalate = await delayedJob<EscalateAlertJob>(QUEUES.escalations, JOBS.escalateAlert, (d) => d.alert_id === alert.id);
    await app.close();
    // The escalation falls due while no worker runs.
    await runNow(QUEUES.escalations, escalate);
    expect(await queues.state(QUEUES.escalations, escalate.id)).toBe('waiting');
    expect(second.received).toHaveLength(0);
    await startWorker();
    const escalation = await waitFor('the escalation after the restart', sync(() => second.received[0]));
    expect(escalation.json).toMatchObject({ kind: 'escalation', level: 1 });
    expect(escalation.json.alerts.map((a) => a.id)).toEqual([alert.id]);
  });
});
