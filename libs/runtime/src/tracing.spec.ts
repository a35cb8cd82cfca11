import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { loadConfig } from '@kanshi/config';
import { Tracing } from './tracing';

describe('Tracing', () => {
  it('makes no span and reads no context when off', () => {
    const off = Tracing.fromConfig('api', loadConfig({}));
    expect(off.enabled).toBe(false);
    expect(off.contextOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    const span = off.startSpan('x');
    expect(span.isRecording()).toBe(false);
    expect(off.traceparentOf(span)).toBeUndefined();
  });

  it('samples the traces it starts at the ratio, and follows the sampled flag of a caller', async () => {
    const exporter = new InMemorySpanExporter();
    const never = Tracing.fromConfig('ingest-gateway', loadConfig({ KANSHI_TRACING_SAMPLE_RATIO: '0' }), exporter);
    expect(never.startSpan('root').isRecording()).toBe(false);
    const sampled = never.startSpan('child', { parent: never.contextOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') });
    expect(sampled.isRecording()).toBe(true);
    expect(never.traceparentOf(sampled)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(never.startSpan('unsampled', { parent: never.contextOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00') }).isRecording()).toBe(false);
    sampled.end();
    await never.flush();
    expect(exporter.getFinishedSpans()[0]?.resource.attributes['service.name']).toBe('kanshi-ingest-gateway');

    const always = Tracing.fromConfig('api', loadConfig({ KANSHI_TRACING_SAMPLE_RATIO: '1' }), new InMemorySpanExporter());
    expect(always.startSpan('root').isRecording()).toBe(true);
  });

  it('passes on only a well-formed traceparent', () => {
    expect(Tracing.wellFormed(' 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ')).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(Tracing.wellFormed('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(Tracing.wellFormed('garbage')).toBeUndefined();
    expect(Tracing.wellFormed(`00-${'a'.repeat(500)}`)).toBeUndefined();
    expect(Tracing.wellFormed(undefined)).toBeUndefined();
  });
});
