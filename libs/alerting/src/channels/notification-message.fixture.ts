import type { AlertSummary, NotificationMessage } from './notification-message';

/* Sample notifications for the channel specs (not part of the public index). */

export function sampleAlert(overrides: Partial<AlertSummary> = {}): AlertSummary {
  return {
    id: 'a-1',
    url: 'https://kanshi.example.com/alerts/a-1',
    status: 'open',
    severity: 'high',
    rule_id: 'F3',
    title: 'Drift beyond threshold',
    source: 'FSA Model Risk Management Principles, Principle 5',
    sector: 'finance',
    model_id: 'credit-v3',
    scope: 'production',
    observed: { psi: 0.31 },
    args: { max_psi: 0.2, window_days: 7 },
    occurrence_count: 4,
    first_seen_at: '2026-03-01T08:00:00.000Z',
    last_seen_at: '2026-03-02T09:30:00.000Z',
    due_at: '2026-03-05T00:00:00.000Z',
    escalation_level: 0,
    assignee: null,
    repeat: false,
    ...overrides,
  };
}


export function sampleMessage(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    id: '7f0c2a4e-1111-4c2b-9a55-0123456789ab',
    tenant_id: 'tenant-1',
    kind: 'firing',
    level: 0,
    created_at: '2026-03-02T09:31:00.000Z',
    alerts: [sampleAlert()],
    silence: null,
    ...overrides,
  };
}
