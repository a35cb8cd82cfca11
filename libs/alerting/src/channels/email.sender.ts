import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { ChannelTarget } from './channel-config';
import type { DeliveryOutcome, NotificationMessage } from './notification-message';
import { emailContent, type EmailContent } from './render';
import { OUTBOUND_REFUSED, type OutboundGuard } from '../outbound/outbound-guard';
import { errorFields, redact } from './webhook.sender';

export type EmailTarget = Extract<ChannelTarget, { kind: 'email' }>;

/** The header that names the notification, so receiving systems can deduplicate a resend. */
export const NOTIFICATION_ID_HEADER = 'X-Kanshi-Notification-Id';

const MAX_ERROR_LENGTH = 300;

/** Errors a retry cannot mend although the server gave no 5xx: nodemailer refused the message or the login locally. */
const LOCAL_PERMANENT_CODES: ReadonlySet<string> = new Set(['EENVELOPE', 'EMESSAGE', 'EAUTH']);

/**
 * What nodemailer's error codes mean, said without the server's words: an error message may
 * quote what the server sent, and a "server" may be any TCP service (Redis, Kafka) a channel
 * was pointed at.
 */
const SMTP_FAILURES: Readonly<Record<string, string>> = {
  ECONNECTION: 'connection failed',
  ESOCKET: 'network error',
  ETIMEDOUT: 'no answer in time',
  EDNS: 'DNS lookup failed',
  ENOTFOUND: 'DNS lookup failed',
  ETLS: 'TLS failed',
  EAUTH: 'login refused',
  ENOAUTH: 'no credentials for the login',
  EENVELOPE: 'recipients refused',
  EMESSAGE: 'message refused',
  EPROTOCOL: 'not an SMTP answer',
  ESTREAM: 'the message could not be read',
};

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * The Message-ID of a notification: the same on every resend, so mail clients and archives
 * recognise a retry as the same message.
 */
export function notificationMessageId(message: NotificationMessage, from: string): string {
  const domain = from.slice(from.lastIndexOf('@') + 1).replace(/[^A-Za-z0-9.-]/g, '') || 'kanshi.invalid';
  const local = message.id.replace(/[^A-Za-z0-9._-]/g, '-');
  return `<kanshi-notification.${local}@${domain}>`;
}

/**
 * Transport options from a channel's configuration, connecting to `address` (the server's
 * address, already checked) while TLS still names and verifies the configured host.
 */
export function smtpOptions(target: EmailTarget, address: string = target.config.host): SMTPTransport.Options {
  const { config } = target;
  const loopback = isLoopback(config.host);
  const auth = config.username ? { user: config.username, pass: target.secret ?? '' } : undefined;
  const servername = isIP(config.host.replace(/^\[|\]$/g, '')) === 0 ? config.host : undefined;
  return {
    host: address,
    port: config.port,
    secure: config.secure,
    auth,
    connectionTimeout: config.timeout_ms,
    greetingTimeout: config.timeout_ms,
    socketTimeout: config.timeout_ms,
    // STARTTLS is used whenever the server offers it; plain SMTP is allowed, except that a
    // password never goes to a remote server unencrypted.
    requireTLS: Boolean(auth) && !loopback && !config.secure,
    // A relay on this machine cannot present a certificate for "localhost".
    tls: { servername, ...(loopback ? { rejectUnauthorized: false } : {}) },
    logger: false,
    debug: false,
  };
}

/** The status line of a failure: `SMTP 550 (EENVELOPE)` or `SMTP: connection failed (ECONNREFUSED)`, never the server's words. */
function describeSmtpError(error: unknown): { readonly message: string; readonly permanent: boolean } {
  const { code, name } = errorFields(error);
  const details = typeof error === 'object' && error !== null ? (error as { responseCode?: unknown; originalCode?: unknown }) : {};
  const responseCode = typeof details.responseCode === 'number' ? details.responseCode : null;
  const systemCode = typeof details.originalCode === 'string' ? details.originalCode : null;
  const permanent = responseCode !== null ? responseCode >= 500 && responseCode < 600 : code !== null && LOCAL_PERMANENT_CODES.has(code);
  if (responseCode !== null) return { message: `SMTP ${responseCode}${code ? ` (${code})` : ''}`, permanent };
  const what = (code !== null ? SMTP_FAILURES[code] : undefined) ?? 'failed';
  return { message: `SMTP: ${what} (${systemCode ?? code ?? name ?? 'unknown error'})`, permanent };
}

/**
 * Sends a notification by email through the channel's SMTP server. The server's name is
 * resolved and checked by `guard` here, and the connection made to that checked address (so
 * the name cannot resolve elsewhere in between). A fresh transport per send, closed
 * afterwards: notifications are rare enough that a pool would only hold sockets open.
 */
export async function sendEmail(message: NotificationMessage, target: EmailTarget, guard: OutboundGuard): Promise<DeliveryOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const { config } = target;
  const secrets = target.secret ? [target.secret] : [];
  const fail = (text: string, permanent: boolean): DeliveryOutcome => ({
    ok: false,
    permanent,
    httpStatus: null,
    error: redact(text, secrets).slice(0, MAX_ERROR_LENGTH),
    durationMs: elapsed(),
  });

  let content: EmailContent;
  try {
    content = emailContent(message);
  } catch (error) {
    return fail(`the notification could not be rendered: ${errorFields(error).message ?? 'unknown error'}`, true);
  }

  let address: string;
  try {
    const [first] = await guard.addressesFor(config.host);
    if (!first) return fail('SMTP: DNS lookup failed (ENOTFOUND)', false);
    address = first.address;
  } catch (error) {
    const { code, message: text } = errorFields(error);
    if (code === OUTBOUND_REFUSED && text) return fail(text, true);
    return fail(`SMTP: DNS lookup failed (${code ?? 'unknown error'})`, false);
  }

  let transport: ReturnType<typeof createTransport<SMTPTransport.SentMessageInfo>> | null = null;
  try {
    transport = createTransport(smtpOptions(target, address));
    const info = await transport.sendMail({
      from: config.from,
      to: [...config.to],
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId: notificationMessageId(message, config.from),
      headers: { [NOTIFICATION_ID_HEADER]: message.id },
    });
    const rejected: readonly string[] = info.rejected;
    // Some recipients have it: a retry would send them a duplicate, so this counts as delivered.
    const error = rejected.length > 0 ? redact(`SMTP: recipients refused: ${rejected.join(', ')}`, secrets).slice(0, MAX_ERROR_LENGTH) : null;
    return { ok: true, permanent: false, httpStatus: null, error, durationMs: elapsed() };
  } catch (error) {
    const { message: text, permanent } = describeSmtpError(error);
    return fail(text, permanent);
  } finally {
    transport?.close();
  }
}
