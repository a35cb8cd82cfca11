import { Logger } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AlertMetrics, AlertWorkerMetrics } from '@kanshi/alerting';
import { RateLimitMetrics } from '@kanshi/auth';
import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { ConsumerProgress, EngineMetrics, PartitionClocks, PolicyEvaluator, SectorModuleRegistry } from '@kanshi/policy-core';
import { QueueMetrics } from '@kanshi/queue';
import { httpMetrics } from '@kanshi/runtime';

/** The apps, as their metrics are registered (each app has a registry of its own). */
export type AppName = 'api' | 'ingest-gateway' | 'policy-engine' | 'alert-worker';

function appRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kanshi_' });
  return registry;
}

/**
 * Each app's registry, filled by the same metric classes its modules provide (the engine's and the
 * worker's operations port, the HTTP apps' `/metrics`).
 */
export function appRegistries(): Record<AppName, Registry> {
  const engine = appRegistry();
  new EngineMetrics(engine, new PolicyEvaluator(SectorModuleRegistry.load(BUILT_IN_SECTOR_MODULES)), new ConsumerProgress(), new PartitionClocks());
  new QueueMetrics(engine);

  const worker = appRegistry();
  new QueueMetrics(worker).watchDepths({ jobCounts: () => Promise.resolve({}) }, new Logger('metrics'));
  new AlertMetrics(worker);
  new AlertWorkerMetrics(worker);

  const api = appRegistry();
  httpMetrics(api);
  new AlertMetrics(api);
  new RateLimitMetrics(api, 'api');

  const gateway = appRegistry();
  httpMetrics(gateway);
  new RateLimitMetrics(gateway, 'ingest-gateway');

  return { api, 'ingest-gateway': gateway, 'policy-engine': engine, 'alert-worker': worker };
}

/**
 * The metrics Kanshi's apps export, by name, with each one's own label names (the scrape adds
 * `job` and `instance`, and a histogram's `_bucket` series `le`), and the apps that export it. A
 * histogram is listed by its base name: its `_bucket`, `_sum` and `_count` series are implied.
 */
export function exportedMetrics(): Map<string, { readonly labels: readonly string[]; readonly apps: readonly AppName[]; readonly type: string; readonly help: string }> {
  const found = new Map<string, { labels: readonly string[]; apps: AppName[]; type: string; help: string }>();
  for (const [app, registry] of Object.entries(appRegistries()) as [AppName, Registry][]) {
    for (const metric of registry.getMetricsAsArray()) {
      const { labelNames } = metric as unknown as { labelNames?: unknown };
      if (!Array.isArray(labelNames)) throw new Error(`prom-client no longer keeps labelNames on ${metric.name}: read the label names another way`);
      const known = found.get(metric.name);
      if (known) known.apps.push(app);
      else found.set(metric.name, { labels: labelNames as string[], apps: [app], type: String(metric.type), help: metric.help });
    }
  }
  return found;
}

/** Name → own label names, for the checks of the dashboard and the rules. */
export const EXPORTED_METRICS: Readonly<Record<string, readonly string[]>> = Object.fromEntries([...exportedMetrics()].map(([name, m]) => [name, m.labels]));
