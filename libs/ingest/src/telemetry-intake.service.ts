import { Injectable, Logger } from '@nestjs/common';
import {
  TOPICS,
  telemetryKey,
  validateTelemetryEvent,
  type ValidationIssue,
} from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { KafkaProducer, type OutgoingRecord } from '@kanshi/messaging';
import { GatewaySigner } from './gateway-signer';

export type EventFate =
  | { readonly index: number; readonly event_id: string | null; readonly status: 'accepted' }
  | { readonly index: number; readonly event_id: string | null; readonly status: 'rejected'; readonly errors: readonly ValidationIssue[] };

export interface IntakeResult {
  readonly accepted: number;
  readonly rejected: number;
  readonly results: readonly EventFate[];
}

/** Thrown when an event names another tenant than the caller's key. */
export class TenantMismatchError extends Error {
  override readonly name = 'TenantMismatchError';
}

/** Thrown when Kafka did not take the accepted events; nothing was acknowledged. */
export class TelemetryUnavailableError extends Error {
  override readonly name = 'TelemetryUnavailableError';
}

function eventIdOf(value: unknown): string | null {
  const id = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['event_id'] : undefined;
  return typeof id === 'string' ? id : null;
}

/**
 * Validates events sent over HTTP and writes the valid ones to Kafka before answering, so an
 * event reported as accepted is durable. Each record is signed for the caller's tenant, so the
 * engine knows who speaks.
 */
@Injectable()
export class TelemetryIntakeService {
  private readonly logger = new Logger(TelemetryIntakeService.name);

  constructor(
    private readonly producer: KafkaProducer,
    private readonly config: AppConfig,
    private readonly signer: GatewaySigner,
  ) {}

  async submit(tenantId: string, items: readonly unknown[]): Promise<IntakeResult> {
    const maxBytes = this.config.values.maxEventBytes;
    const results: EventFate[] = [];
    const accepted: OutgoingRecord[] = [];
    items.forEach((item, index) => {
      const checked = validateTelemetryEvent(item);
      if (!checked.ok) {
        results.push({ index, event_id: eventIdOf(item), status: 'rejected', errors: checked.issues });
        return;
      }
      const { event } = checked;
      if (event.tenant_id !== tenantId) {
        throw new TenantMismatchError(`events[${index}].tenant_id is "${event.tenant_id}" but the API key belongs to tenant "${tenantId}"`);
      }
      const value = JSON.stringify(event);
      const size = Buffer.byteLength(value);
      if (size > maxBytes) {
        const issue = { pointer: '', rule: 'maxBytes', message: `event is ${size} bytes; the limit is ${maxBytes}`, expected: maxBytes };
        results.push({ index, event_id: event.event_id, status: 'rejected', errors: [issue] });
        return;
      }
      const key = telemetryKey(event.tenant_id, event.model_id);
      accepted.push({ key, value, headers: this.signer.headers(event.tenant_id, key, value) });
      results.push({ index, event_id: event.event_id, status: 'accepted' });
    });
    try {
      // One deadline for the whole request, so a Kafka outage answers 503 instead of hanging.
      await this.producer.send(TOPICS.telemetry, accepted, { timeoutMs: this.config.values.gatewayKafkaTimeoutMs });
    } catch (error) {
      this.logger.error(`could not write ${accepted.length} events to Kafka: ${String(error)}`);
      throw new TelemetryUnavailableError(
        'Kafka did not accept the events. Retry the whole request: events already stored are recognised by event_id and not counted twice.',
      );
    }
    return { accepted: accepted.length, rejected: results.length - accepted.length, results };
  }
}
