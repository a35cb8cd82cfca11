import { Global, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanKind, trace, type Attributes, type Context, type Link, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, parseTraceParent, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { AppConfig } from '@kanshi/config';
import { OutageLog } from './outage-log';
import { KANSHI_VERSION } from './version';

/** The W3C Trace Context header (HTTP, Kafka record headers, job data). */
export const TRACEPARENT = 'traceparent';

/** How long one export may take before it counts as failed (its spans are dropped). */
const EXPORT_TIMEOUT_MS = 10_000;

/**
 * Sends spans to an OTLP/HTTP traces endpoint as JSON (OpenTelemetry's own serializer), with
 * Node's fetch: the SDK's HTTP exporter loads `node:http` by a dynamic import, which some
 * runtimes (the test runner among them) refuse. A collector that is away is logged when it goes
 * and when it is back, at most every 30 s in between; its spans are dropped, never waited for.
 */
class OtlpJsonExporter implements SpanExporter {
  private readonly outage = new OutageLog(new Logger('Tracing'), 'Trace export');

  constructor(private readonly url: string) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) {
      done({ code: ExportResultCode.FAILED, error: new Error('the spans could not be serialised') });
      return;
    }
    fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS) }).then(
      async (response) => {
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${this.url} answered HTTP ${response.status}`);
        this.outage.succeeded();
        done({ code: ExportResultCode.SUCCESS });
      },
    ).catch((error: unknown) => {
      this.outage.failed(error);
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A span that records nothing (tracing off, or not sampled): every call on it is a no-op. */
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** What a span is, where it comes from. */
export interface SpanOptions {
  /** The trace it continues (a `traceparent` read from a request, a record or a job). */
  readonly parent?: Context;
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Other traces it stands for, such as the traced records of an engine batch. */
  readonly links?: readonly Link[];
}

/**
 * Kanshi's OpenTelemetry tracing (the ecosystem's standard, `@opentelemetry/sdk-trace` with the
 * OTLP/HTTP exporter). Contexts are passed explicitly, from a `traceparent` to the spans that
 * continue it: no context manager runs on the hot path. Off, it makes no span and costs a
 * branch; on, traces Kanshi starts are sampled at `KANSHI_TRACING_SAMPLE_RATIO` and those a
 * producer starts follow its sampled flag.
 */
export class Tracing implements OnApplicationShutdown {
  /** Tracing off: what code gets when no app set tracing up (tests, tools). */
  static readonly off = new Tracing(undefined, undefined);

  private constructor(
    private readonly provider: TracerProvider | undefined,
    private readonly tracer: Tracer | undefined,
  ) {}

  /**
   * Tracing for the app `service` as configured, exporting to `exporter` (the OTLP/HTTP one by
   * default; tests may give an in-memory one).
   */
  static fromConfig(service: string, config: AppConfig, exporter?: SpanExporter): Tracing {
    const { tracing, tracingOtlpUrl, tracingSampleRatio } = config.values;
    if (tracing === 'off' && !exporter) return Tracing.off;
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': `kanshi-${service}`, 'service.version': KANSHI_VERSION }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(tracingSampleRatio) }),
      // Spans leave in batches, off the hot path; a full queue drops spans rather than blocking.
      spanProcessors: [new BatchSpanProcessor({ exporter: exporter ?? new OtlpJsonExporter(tracingOtlpUrl) })],
    });
    return new Tracing(provider, provider.getTracer(`kanshi-${service}`, KANSHI_VERSION));
  }

  /** `traceparent` when it is a well-formed W3C trace context, for passing on as it came. */
  static wellFormed(traceparent: string | undefined): string | undefined {
    const trimmed = traceparent?.trim();
    return trimmed !== undefined && trimmed.length <= 128 && parseTraceParent(trimmed) ? trimmed : undefined;
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  /** The trace context a `traceparent` names (`tracestate` is not carried), or `undefined` when it is missing or malformed, or tracing is off. */
  contextOf(traceparent: string | undefined): Context | undefined {
    if (!this.tracer || traceparent === undefined) return undefined;
    const parsed = parseTraceParent(traceparent.trim());
    if (!parsed) return undefined;
    const remote: SpanContext = { ...parsed, isRemote: true };
    return trace.setSpanContext(ROOT_CONTEXT, remote);
  }

  /** Starts a span; it records only when tracing is on and the trace is sampled (check `isRecording()` before costly attributes). */
  startSpan(name: string, options: SpanOptions = {}): Span {
    if (!this.tracer) return NOT_RECORDING;
    return this.tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links ? [...options.links] : undefined }, options.parent ?? ROOT_CONTEXT);
  }

  /** The `traceparent` that continues `span`'s trace, or `undefined` when it records nothing. */
  traceparentOf(span: Span): string | undefined {
    if (!span.isRecording()) return undefined;
    const { traceId, spanId, traceFlags } = span.spanContext();
    return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
  }

  /** A link to the trace a `traceparent` names (for a span that stands for many). */
  linkTo(traceparent: string | undefined, attributes?: Attributes): Link | undefined {
    const context = this.contextOf(traceparent);
    const spanContext = context && trace.getSpanContext(context);
    return spanContext ? { context: spanContext, attributes } : undefined;
  }

  /** Sends what is buffered (tests wait for it; shutdown does it). */
  async flush(): Promise<void> {
    await this.provider?.forceFlush();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}

/** The app's {@link Tracing}, for every module of it (global). Code outside an app gets {@link Tracing.off}. */
@Global()
@Module({})
export class TracingModule {
  static forApp(service: string, exporter?: SpanExporter): DynamicModule {
    return {
      module: TracingModule,
      providers: [{ provide: Tracing, inject: [AppConfig], useFactory: (config: AppConfig) => Tracing.fromConfig(service, config, exporter) }],
      exports: [Tracing],
    };
  }
}

export { SpanKind };
