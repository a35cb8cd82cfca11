import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import type { AppConfig } from '@kanshi/config';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** What a log line may be about: each becomes a field of its own in JSON (`tenant_id`, …). */
export interface LogFields {
  readonly tenant?: string;
  readonly model?: string;
  readonly rule?: string;
  readonly alert?: string;
  readonly job?: string;
}

const FIELD_NAMES: Readonly<Record<keyof LogFields, string>> = {
  tenant: 'tenant_id',
  model: 'model_id',
  rule: 'rule_id',
  alert: 'alert_id',
  job: 'job_id',
};

interface JsonLineOptions {
  context: string;
  logLevel: LogLevel;
  writeStreamType?: 'stdout' | 'stderr';
  errorStack?: unknown;
}

interface JsonLine {
  level: LogLevel;
  pid: number;
  timestamp: number;
  message: unknown;
  context?: string;
  stack?: unknown;
  [field: string]: unknown;
}

const ENTRY = Symbol('kanshi.log-entry');

/** A message with the ids it is about; pass it to any Nest `Logger` method in place of a string. */
export interface LogEntry {
  readonly [ENTRY]: true;
  readonly message: string;
  readonly fields: LogFields;
  toString(): string;
}

/**
 * `logger.warn(logEntry('over its quota', { tenant }))`: readable in text, fields of their own in
 * JSON. It reads as its message wherever it is turned into a string.
 */
export function logEntry(message: string, fields: LogFields): LogEntry {
  return { [ENTRY]: true, message, fields, toString: () => message };
}

function isLogEntry(message: unknown): message is LogEntry {
  return typeof message === 'object' && message !== null && (message as Partial<LogEntry>)[ENTRY] === true;
}

/**
 * Nest's start-up chatter: a line per module initialised and per route mapped (a hundred lines
 * for the api). They are counted and summed up in one line ({@link KanshiLogger.startupSummary});
 * `KANSHI_LOG_LEVEL=debug` prints them as they come.
 */
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * Kanshi's logger: Nest's console logger named after the app, in readable lines for a person or
 * JSON lines for a log pipeline (`KANSHI_LOG_FORMAT`), with the ids a line is about as fields.
 */
export class KanshiLogger extends ConsoleLogger {
  private readonly listsStartup: boolean;
  private routes = 0;
  private modules = 0;

  constructor(
    private readonly appName: string,
    options: { readonly level: LogLevel; readonly json: boolean },
  ) {
    const upTo = LEVELS.indexOf(options.level);
    super(appName, { logLevels: LEVELS.slice(0, upTo + 1), prefix: 'kanshi', json: options.json, colors: options.json ? false : undefined });
    this.listsStartup = upTo >= LEVELS.indexOf('debug');
  }

  /** One line for the start-up chatter held back: how many modules and routes. */
  startupSummary(): string {
    const routes = this.routes > 0 ? `, ${this.routes} routes mapped` : '';
    return `${this.modules} modules initialised${routes} (KANSHI_LOG_LEVEL=debug lists them)`;
  }

  protected override printMessages(messages: unknown[], context = '', logLevel: LogLevel = 'log', writeStreamType?: 'stdout' | 'stderr', errorStack?: unknown): void {
    if (logLevel === 'log' && STARTUP_CONTEXTS.has(context) && !this.listsStartup) {
      if (context === 'InstanceLoader') this.modules += messages.length;
      else if (context === 'RouterExplorer') this.routes += messages.length;
      return;
    }
    super.printMessages(messages, context, logLevel, writeStreamType, errorStack);
  }

  protected override getJsonLogObject(message: unknown, options: JsonLineOptions): JsonLine {
    // Nest's fields (level, pid, timestamp in epoch ms, message, context, stack), the app, and
    // the ids the line is about.
    const line: JsonLine = { level: options.logLevel, pid: process.pid, timestamp: Date.now(), app: this.appName, message };
    if (options.context) line.context = options.context;
    if (isLogEntry(message)) {
      line.message = message.message;
      for (const [key, value] of Object.entries(message.fields) as [keyof LogFields, string | undefined][]) {
        if (value !== undefined) line[FIELD_NAMES[key]] = value;
      }
    } else if (message instanceof Error) {
      line.message = message.message;
    }
    if (options.errorStack) line.stack = options.errorStack;
    return line;
  }

  protected override stringifyMessage(message: unknown, logLevel: LogLevel): string {
    if (!isLogEntry(message)) return super.stringifyMessage(message, logLevel) as string;
    const about = (Object.entries(message.fields) as [keyof LogFields, string | undefined][])
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    return super.stringifyMessage(about ? `${message.message} [${about}]` : message.message, logLevel) as string;
  }
}

/** The app's logger as configured: its level and format (JSON by default in production). */
export function createLogger(appName: string, config: AppConfig): KanshiLogger {
  const { logLevel, logFormat, nodeEnv } = config.values;
  return new KanshiLogger(appName, { level: logLevel, json: (logFormat ?? (nodeEnv === 'production' ? 'json' : 'text')) === 'json' });
}
