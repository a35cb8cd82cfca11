import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { SECTORS, SEVERITIES } from '@kanshi/contracts';
import { ALERT_ACTIONS, ALERT_STATUSES, ALERTING_SETTINGS_SCHEMA } from '@kanshi/alerting-core';
import {
  NOTIFICATION_STATUSES,
  OCCURRENCE_BUCKETS,
  SILENCE_STATES,
  type AlertEntity,
  type AlertHistoryEntity,
  type ChannelRecord,
  type NotificationRecord,
  type NotificationRouteEntity,
  type OccurrenceBucket,
  type SilenceEntity,
} from '@kanshi/persistence';
import type { JsonSchemaObject } from '@kanshi/runtime';
import { CHANNEL_KINDS } from '@kanshi/alerting';
import { toAlertView, toHistoryView, toNotificationView, toOccurrenceView } from './alerts.controller';
import { toChannelView } from './channels.controller';
import { toRouteView } from './routes.controller';
import { toSilenceView } from './silences.controller';

// Response schemas of the alerting endpoints, for the API's OpenAPI document. The views stay plain
// functions; the assignments at the end make the compiler check each view against its schema.

const DATE_TIME = Type.String({ format: 'date-time' });
const NULLABLE_DATE_TIME = Type.Union([DATE_TIME, Type.Null()]);
const NULLABLE_STRING = Type.Union([Type.String(), Type.Null()]);
const UUID = Type.String({ format: 'uuid' });
// `enum` keeps the document precise while the static type stays `string`, as the entities type it.
const oneOf = (values: readonly string[], description?: string) => Type.String({ enum: [...values], ...(description !== undefined && { description }) });
const JSON_OBJECT = Type.Record(Type.String(), Type.Unknown());
const page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last.' }) });
const list = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

const ALERT = Type.Object({
  id: UUID,
  tenant_id: Type.String(),
  fingerprint: Type.String({ description: 'Stable identity of the condition: one alert per fingerprint while it is open.' }),
  status: Type.Union(ALERT_STATUSES.map((s) => Type.Literal(s))),
  severity: oneOf(SEVERITIES),
  rule_id: Type.String(),
  module_id: Type.String(),
  sector: Type.String(),
  model_id: Type.String(),
  scope: Type.String(),
  title: Type.String(),
  source: Type.String({ description: 'The law or guideline the rule enforces.' }),
  occurrence_count: Type.Integer({ minimum: 1 }),
  first_seen_at: DATE_TIME,
  last_seen_at: DATE_TIME,
  args: Type.Record(Type.String(), Type.Unknown(), { description: 'The rule arguments (thresholds) in force when it fired.' }),
  observed: Type.Unknown({ description: 'What the rule observed.' }),
  evidence_event_ids: Type.Array(Type.String()),
  due_at: Type.Union([DATE_TIME, Type.Null()], { description: 'Regulatory deadline, when the rule has one.' }),
  report_submitted_at: Type.Union([DATE_TIME, Type.Null()], { description: 'When the report the deadline asks for was recorded as submitted (`POST /v1/alerts/{id}/reports`): the clock stops.' }),
  assignee: NULLABLE_STRING,
  escalation_level: Type.Integer({ minimum: 0 }),
  acknowledged_at: NULLABLE_DATE_TIME,
  resolved_at: NULLABLE_DATE_TIME,
  clear_since: Type.Union([DATE_TIME, Type.Null()], { description: 'Since when (event time) the rule has judged the condition clear: the auto-resolve countdown.' }),
  silenced_by: Type.Union([Type.String(), Type.Null()], { description: 'The silence holding the alert.' }),
  opened_at: DATE_TIME,
  notified_at: NULLABLE_DATE_TIME,
  created_at: DATE_TIME,
  updated_at: DATE_TIME,
});

const ALERT_HISTORY_ENTRY = Type.Object({
  at: DATE_TIME,
  action: oneOf(ALERT_ACTIONS),
  actor: Type.String({ description: '`api-key:<key id>` for a person, `kanshi` for the system.' }),
  actor_name: NULLABLE_STRING,
  from_status: Type.Union([...ALERT_STATUSES.map((s) => Type.Literal(s)), Type.Null()]),
  to_status: Type.Union([...ALERT_STATUSES.map((s) => Type.Literal(s)), Type.Null()]),
  comment: NULLABLE_STRING,
  details: JSON_OBJECT,
});

const ALERT_DETAIL = Type.Composite([ALERT, Type.Object({ history: Type.Array(ALERT_HISTORY_ENTRY, { description: 'Oldest first.' }) })]);

const ALERT_OCCURRENCES = Type.Object({
  bucket: oneOf(OCCURRENCE_BUCKETS),
  items: Type.Array(
    Type.Object({
      at: DATE_TIME,
      count: Type.Integer({ minimum: 1, description: 'Findings in the interval.' }),
      severity: oneOf(SEVERITIES),
    }),
    { description: 'Oldest first; intervals without findings are left out.' },
  ),
});

const ALERT_NOTIFICATION = Type.Object({
  id: UUID,
  kind: Type.String(),
  level: Type.Integer({ minimum: 0, description: 'Escalation level the notification served.' }),
  status: Type.Union(NOTIFICATION_STATUSES.map((s) => Type.Literal(s))),
  channel: Type.Object({ id: UUID, name: Type.String(), kind: Type.String() }),
  silence_id: NULLABLE_STRING,
  repeat: Type.Boolean({ description: 'The alert had been notified before and still fired.' }),
  attempts: Type.Array(
    Type.Object({
      attempt: Type.Integer({ minimum: 1 }),
      at: DATE_TIME,
      ok: Type.Boolean(),
      http_status: Type.Union([Type.Integer(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()], {
        description: 'Why the attempt failed, as a status line (`HTTP 502 Bad Gateway`, `SMTP 550 (EENVELOPE)`, `no answer within 10000 ms`, `refused: …`); never the receiver’s answer.',
      }),
      duration_ms: Type.Number({ minimum: 0 }),
    }),
  ),
  last_error: NULLABLE_STRING,
  created_at: DATE_TIME,
  delivered_at: NULLABLE_DATE_TIME,
  failed_at: NULLABLE_DATE_TIME,
});

const MATCHERS = Type.Object({
  severities: Type.Array(oneOf(SEVERITIES)),
  sectors: Type.Array(oneOf(SECTORS)),
  model_ids: Type.Array(Type.String()),
  rule_ids: Type.Array(Type.String()),
});

const SILENCE = Type.Object({
  id: UUID,
  matchers: MATCHERS,
  reason: Type.String(),
  starts_at: DATE_TIME,
  ends_at: DATE_TIME,
  state: Type.Union(SILENCE_STATES.map((s) => Type.Literal(s))),
  created_by: Type.String(),
  created_by_name: NULLABLE_STRING,
  created_at: DATE_TIME,
  updated_at: DATE_TIME,
});

const CHANNEL = Type.Object({
  id: UUID,
  name: Type.String(),
  kind: oneOf(CHANNEL_KINDS),
  config: Type.Record(Type.String(), Type.Unknown(), {
    description: 'Settings of the channel’s kind, defaults filled. Never the secret; a webhook `url` shows only its scheme, host and port (`https://hooks.example.com/…`).',
  }),
  enabled: Type.Boolean(),
  secret_set: Type.Boolean({ description: 'Whether a secret is stored; the secret itself is write-only.' }),
  created_by: Type.String(),
  created_at: DATE_TIME,
  updated_at: DATE_TIME,
});

const ROUTE = Type.Object({
  id: UUID,
  name: Type.String(),
  level: Type.Integer({ minimum: 0 }),
  severities: Type.Array(oneOf(SEVERITIES)),
  sectors: Type.Array(oneOf(SECTORS)),
  model_ids: Type.Array(Type.String()),
  rule_ids: Type.Array(Type.String()),
  channel_ids: Type.Array(UUID),
  created_by: Type.String(),
  created_at: DATE_TIME,
  updated_at: DATE_TIME,
});

/** Named schemas of the alerting endpoints, for `components.schemas` of the API's document. */
export function alertingOpenApiSchemas(): Record<string, JsonSchemaObject> {
  return {
    Alert: ALERT,
    AlertPage: page(ALERT),
    AlertDetail: ALERT_DETAIL,
    AlertHistoryEntry: ALERT_HISTORY_ENTRY,
    AlertOccurrences: ALERT_OCCURRENCES,
    AlertNotification: ALERT_NOTIFICATION,
    AlertNotificationList: list(ALERT_NOTIFICATION),
    Silence: SILENCE,
    SilencePage: page(SILENCE),
    Channel: CHANNEL,
    ChannelList: list(CHANNEL),
    Route: ROUTE,
    RouteList: list(ROUTE),
    AlertingSettings: ALERTING_SETTINGS_SCHEMA,
  };
}

// Compile-time checks: each view gives at least what its schema promises, with the same types.
const _alert: (a: AlertEntity) => Static<typeof ALERT> = toAlertView;
const _history: (h: AlertHistoryEntity) => Static<typeof ALERT_HISTORY_ENTRY> = toHistoryView;
const _notification: (id: string, r: NotificationRecord) => Static<typeof ALERT_NOTIFICATION> = toNotificationView;
const _occurrence: (b: OccurrenceBucket) => Static<typeof ALERT_OCCURRENCES>['items'][number] = toOccurrenceView;
const _silence: (s: SilenceEntity, now: Date) => Static<typeof SILENCE> = toSilenceView;
const _channel: (c: ChannelRecord) => Static<typeof CHANNEL> = toChannelView;
const _route: (r: NotificationRouteEntity) => Static<typeof ROUTE> = toRouteView;
