import type { OutboundGuard } from '../outbound/outbound-guard';
import type { ChannelTarget } from './channel-config';
import type { DeliveryOutcome, NotificationMessage } from './notification-message';
import { slackPayload } from './render';
import { postJson, renderOrOutcome, urlSecrets } from './webhook.sender';

export type SlackTarget = Extract<ChannelTarget, { kind: 'slack' }>;

/**
 * Delivers a notification to a Slack incoming webhook. The URL is the channel's secret: errors
 * are status lines and never quote it.
 */
export async function sendSlack(message: NotificationMessage, target: SlackTarget, guard: OutboundGuard): Promise<DeliveryOutcome> {
  const body = renderOrOutcome(() => JSON.stringify(slackPayload(message)));
  if (typeof body !== 'string') return body;
  return postJson(
    {
      url: target.secret,
      body,
      headers: {},
      timeoutMs: target.config.timeout_ms,
      secrets: urlSecrets(target.secret),
    },
    guard,
  );
}
