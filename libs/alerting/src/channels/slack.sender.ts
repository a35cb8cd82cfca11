import type { ChannelTarget } from './channel-config';
import type { DeliveryOutcome, NotificationMessage } from './notification-message';
import { slackPayload } from './render';
import { postJson, renderOrOutcome, type FetchLike } from './webhook.sender';

export type SlackTarget = Extract<ChannelTarget, { kind: 'slack' }>;

/**
 * The parts of a Slack webhook URL that must never show in an error: the whole URL and its
 * path (the path is the credential).
 */
function urlSecrets(url: string): string[] {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    if (parsed.pathname.length > 1) secrets.push(parsed.pathname.slice(1), `${parsed.pathname}${parsed.search}`);
    secrets.push(parsed.href);
  } catch {
    // Not a URL: the whole string is already listed.
  }
  return secrets;
}

/**
 * Delivers a notification to a Slack incoming webhook. The URL is the channel's secret, so
 * errors name "the Slack webhook" and never the URL.
 */
export async function sendSlack(message: NotificationMessage, target: SlackTarget, fetchImpl: FetchLike = fetch): Promise<DeliveryOutcome> {
  const body = renderOrOutcome(() => JSON.stringify(slackPayload(message)));
  if (typeof body !== 'string') return body;
  return postJson(
    {
      url: target.secret,
      body,
      headers: {},
      timeoutMs: target.config.timeout_ms,
      receiver: 'the Slack webhook',
      secrets: urlSecrets(target.secret),
    },
    fetchImpl,
  );
}
