import type { NotificationMessage } from './notification-message';
import { sampleAlert, sampleMessage } from './notification-message.fixture';
import { emailContent, escapeHtml, escapeSlack, formatTime, slackPayload, webhookBody, type SlackBlock } from './render';

const alert = sampleAlert;
const message = sampleMessage;

const silence = {
  id: 's-42',
  reason: 'Planned retraining of credit-v3',
  ends_at: '2026-03-03T00:00:00.000Z',
  created_by: 'risk.officer@example.com',
  matchers: { model_id: ['credit-v3'], rule_id: ['F3', 'F4'] },
};

function sectionTexts(blocks: readonly SlackBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : b.type === 'context' ? b.elements.map((e) => e.text) : []));
}

describe('webhookBody', () => {
  it('is the versioned JSON envelope with the whole notification', () => {
    const m = message({ silence });
    expect(JSON.parse(webhookBody(m))).toEqual({
      type: 'kanshi.notification',
      version: 1,
      id: m.id,
      tenant_id: 'tenant-1',
      kind: 'firing',
      level: 0,
      created_at: m.created_at,
      alerts: [alert()],
      silence,
    });
  });
});

describe('formatTime', () => {
  it('shows UTC and Japan time, with the date when Japan is a day ahead', () => {
    expect(formatTime('2026-03-05T00:00:00.000Z')).toBe('2026-03-05 00:00 UTC (09:00 JST)');
    expect(formatTime('2026-03-05T20:15:00.000Z')).toBe('2026-03-05 20:15 UTC (2026-03-06 05:15 JST)');
    expect(formatTime('not a date')).toBe('not a date');
  });
});

describe('emailContent', () => {
  it('has a subject naming severity, rule, title and model for one alert', () => {
    expect(emailContent(message()).subject).toBe('[Kanshi] HIGH F3 Drift beyond threshold — model credit-v3');
  });

  it('has a subject counting the alerts with the highest severity for several', () => {
    const m = message({ alerts: [alert({ severity: 'low' }), alert({ id: 'a-2', severity: 'high' }), alert({ id: 'a-3', severity: 'medium' })] });
    expect(emailContent(m).subject).toBe('[Kanshi] 3 alerts (highest HIGH) — model credit-v3');
    const models = message({ alerts: [alert(), alert({ id: 'a-2', model_id: 'fraud-v1', severity: 'critical' })] });
    expect(emailContent(models).subject).toBe('[Kanshi] 2 alerts (highest CRITICAL) — 2 models');
  });

  it('says why it goes out in the subject for escalations, reminders and missed deadlines', () => {
    expect(emailContent(message({ kind: 'escalation', level: 2 })).subject).toBe('[Kanshi] Escalation L2: HIGH F3 Drift beyond threshold — model credit-v3');
    expect(emailContent(message({ kind: 'reminder' })).subject).toMatch(/^\[Kanshi\] Reminder: HIGH F3/);
    expect(emailContent(message({ kind: 'deadline_missed' })).subject).toMatch(/^\[Kanshi\] Deadline missed: HIGH F3/);
    expect(emailContent(message({ alerts: [alert({ repeat: true })] })).subject).toMatch(/^\[Kanshi\] Still firing: HIGH F3/);
  });

  it('keeps line breaks of data out of the subject', () => {
    const subject = emailContent(message({ alerts: [alert({ title: 'Drift\r\nBcc: someone@example.com' })] })).subject;
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('gives a risk officer everything to act on, in text and HTML', () => {
    const { text, html } = emailContent(message());
    for (const body of [text, html]) {
      expect(body).toContain('A new alert is firing.');
      expect(body).toContain('F3');
      expect(body).toContain('Drift beyond threshold');
      expect(body).toContain('HIGH');
      expect(body).toContain('credit-v3');
      expect(body).toContain('production');
      expect(body).toContain('finance');
      expect(body).toContain('0.31');
      expect(body).toContain('max_psi = 0.2');
      expect(body).toContain('window_days = 7');
      expect(body).toContain('FSA Model Risk Management Principles, Principle 5');
      expect(body).toContain('2026-03-05 00:00 UTC (09:00 JST)');
      expect(body).toContain('2026-03-01 08:00 UTC');
      expect(body).toContain('2026-03-02 09:30 UTC');
      expect(body).toContain('Occurrences');
      expect(body).toContain('https://kanshi.example.com/alerts/a-1');
      expect(body).toContain('7f0c2a4e-1111-4c2b-9a55-0123456789ab');
    }
    expect(html).toContain('<a href="https://kanshi.example.com/alerts/a-1">');
    expect(text).toMatch(/Open:\s+https:\/\/kanshi\.example\.com\/alerts\/a-1/);
  });

  it('says when an alert has no deadline', () => {
    expect(emailContent(message({ alerts: [alert({ due_at: null })] })).text).toMatch(/Due:\s+no deadline/);
  });

  it('escapes every value in the HTML', () => {
    const hostile = alert({
      title: '<script>alert("x")</script> & co',
      model_id: '<img src=x onerror=alert(1)>',
      source: 'Act "A" & <b>B</b>',
      args: { "th'reshold": '<0.2>' },
      observed: '<svg/onload=alert(1)>',
      url: 'https://kanshi.example.com/alerts/a-1?x="><script>',
    });
    const { html } = emailContent(message({ alerts: [hostile], silence: { ...silence, reason: '<i>maintenance</i>' } }));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg');
    expect(html).not.toContain('<b>B</b>');
    expect(html).not.toContain('<i>maintenance');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html).toContain('th&#39;reshold = &lt;0.2&gt;');
    expect(html).toContain('href="https://kanshi.example.com/alerts/a-1?x=&quot;&gt;&lt;script&gt;"');
  });

  it('never makes a non-web URL clickable', () => {
    const { html } = emailContent(message({ alerts: [alert({ url: 'javascript:alert(1)' })] }));
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).toContain('javascript:alert(1)');
  });

  it('opens with a sentence for each kind of notification', () => {
    const lead = (m: NotificationMessage): string => emailContent(m).text.split('\n')[0] ?? '';
    expect(lead(message({ alerts: [alert({ repeat: true })] }))).toBe('An alert notified before is still firing.');
    expect(lead(message({ alerts: [alert(), alert({ id: 'a-2', repeat: true })] }))).toBe('1 new alert is firing, and 1 notified before is still firing.');
    expect(lead(message({ kind: 'escalation', level: 3 }))).toBe('Escalated to level 3: this alert was not acknowledged in time.');
    expect(lead(message({ kind: 'reminder' }))).toBe('Reminder: the deadline of this alert is approaching (the earliest is due 2026-03-05 00:00 UTC (09:00 JST)).');
    expect(lead(message({ kind: 'deadline_missed', alerts: [alert(), alert({ id: 'a-2' })] }))).toBe(
      'The deadline of these 2 alerts has passed and they are not resolved.',
    );
  });

  it('describes an ending silence: id, reason, matchers, end and author', () => {
    const m = message({ kind: 'silence_expiring', alerts: [], silence });
    const { subject, text, html } = emailContent(m);
    expect(subject).toBe('[Kanshi] Silence ending 2026-03-03 00:00 UTC (09:00 JST) — Planned retraining of credit-v3');
    for (const body of [text, html]) {
      expect(body).toContain('Silence s-42 ends 2026-03-03 00:00 UTC (09:00 JST)');
      expect(body).toContain('Planned retraining of credit-v3');
      expect(body).toContain('model_id = credit-v3; rule_id = F3 | F4');
      expect(body).toContain('risk.officer@example.com');
    }
  });
});

describe('slackPayload', () => {
  it('has a fallback text, a header and a linked section per alert', () => {
    const payload = slackPayload(message({ alerts: [alert(), alert({ id: 'a-2', rule_id: 'F4', url: 'https://kanshi.example.com/alerts/a-2' })] }));
    expect(payload.text).toBe('[Kanshi] 2 alerts (highest HIGH) — model credit-v3');
    expect(payload.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Kanshi: Alert firing' } });
    const sections = payload.blocks.filter((b) => b.type === 'section');
    expect(sections).toHaveLength(3);
    const texts = sectionTexts(payload.blocks).join('\n');
    expect(texts).toContain('*<https://kanshi.example.com/alerts/a-1|HIGH F3 Drift beyond threshold>*');
    expect(texts).toContain('<https://kanshi.example.com/alerts/a-2|HIGH F4 Drift beyond threshold>');
    expect(texts).toContain('*Model:* credit-v3 (scope production, sector finance)');
    expect(texts).toContain('*Source:* FSA Model Risk Management Principles, Principle 5');
    expect(texts).toContain('*Thresholds in force:* max_psi = 0.2, window_days = 7');
    expect(texts).toContain('*Due:* 2026-03-05 00:00 UTC (09:00 JST)');
  });

  it('escapes &, < and > in every value and link', () => {
    const payload = slackPayload(
      message({ alerts: [alert({ title: 'A <!channel> & <b>', model_id: 'm>1', url: 'https://kanshi.example.com/a?x=1&y=<2>|z' })] }),
    );
    const texts = sectionTexts(payload.blocks).join('\n');
    expect(texts).not.toContain('<!channel>');
    expect(texts).toContain('A &lt;!channel&gt; &amp; &lt;b&gt;');
    expect(texts).toContain('m&gt;1');
    expect(texts).toContain('<https://kanshi.example.com/a?x=1&amp;y=&lt;2&gt;%7Cz|');
    expect(payload.text).toContain('&lt;!channel&gt;');
  });

  it('stays within Slack limits for many alerts', () => {
    const alerts = Array.from({ length: 35 }, (_, i) => alert({ id: `a-${i}`, title: 'x'.repeat(900), source: 'y'.repeat(900) }));
    const payload = slackPayload(message({ alerts, silence }));
    expect(payload.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(payload.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    expect(sectionTexts(payload.blocks).join('\n')).toContain('…and 15 more alerts');
  });

  it('shows an ending silence', () => {
    const texts = sectionTexts(slackPayload(message({ kind: 'silence_expiring', alerts: [], silence })).blocks).join('\n');
    expect(texts).toContain('Silence s-42 ends');
    expect(texts).toContain('*Matchers:* model_id = credit-v3; rule_id = F3 | F4');
    expect(texts).toContain('*Created by:* risk.officer@example.com');
  });
});

describe('escaping', () => {
  it('escapes HTML and Slack control characters', () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
    expect(escapeSlack('<@U123> & <#C1>')).toBe('&lt;@U123&gt; &amp; &lt;#C1&gt;');
  });
});
