import { Injectable, Logger } from '@nestjs/common';
import {
  TOPICS,
  telemetryKey,
  validateTelemetryEvent,
  type TelemetryEvent,
  type ValidationIssue,
} from '@kanshi/contracts';
import { KafkaProducer } from '@kanshi/messaging';

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
 * event reported as accepted is durable.
 */
@Injectable()
export class TelemetryIntakeService {
  private readonly logger = new Logger(TelemetryIntakeService.name);

  constructor(private readonly producer: KafkaProducer) {}

  async submit(tenantId: string, items: readonly unknown[]): Promise<IntakeResult> {
    const results: EventFate[] = [];
    const accepted: TelemetryEvent[] = [];
    items.forEach((item, index) => {
      const checked = validateTelemetryEvent(item);
      if (!checked.ok) {
        results.push({ index, event_id: eventIdOf(item), status: 'rejected', errors: checked.issues });
        return;
      }
      if (checked.event.tenant_id !== tenantId) {
        throw new TenantMismatchError(
          `events[${index}].tenant_id is "${checked.event.tenant_id}" but the API key belongs to tenant "${tenantId}"`,
        );
      }
      accepted.push(checked.event);
      results.push({ index, event_id: checked.event.event_id, status: 'accepted' });
    });
    try {
      await this.producer.send(
        TOPICS.telemetry,
        accepted.map((e) => ({ key: telemetryKey(e.tenant_id, e.model_id), value: JSON.stringify(e) })),
      );
    } catch (error) {
      this.logger.error(`could not write ${accepted.length} events to Kafka: ${String(error)}`);
      throw new TelemetryUnavailableError('Kafka did not accept the events; none were stored. Retry later.');
    }
    return { accepted: accepted.length, rejected: results.length - accepted.length, results };
  }
}
