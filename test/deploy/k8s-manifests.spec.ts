import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, loadConfig, type ConfigKey, type ConfigValues, type ConfigVariable } from '@kanshi/config';
import { QUEUES, TOPICS } from '@kanshi/contracts';
import { KAFKA_PRINCIPALS } from '@kanshi/messaging';
import { DEPTH_STATES } from '@kanshi/queue';
import {
  isEmptySelector,
  K8S_DIR,
  quantity,
  renderOverlay,
  REPO_ROOT,
  resolveEnv,
  schemaProblems,
  selects,
  type ConfigMap,
  type Container,
  type K8sObject,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type PodDisruptionBudget,
  type ResolvedEnv,
  type ScaledObject,
  type Service,
  type TriggerAuthentication,
  type Workload,
} from './k8s-render';

// deploy/k8s is checked as Kubernetes would receive it: each overlay rendered by
// `kubectl kustomize`, every object validated against the Kubernetes (and KEDA) schemas, then
// against the code: the variables the apps read, their ports and probes, the Kafka principals,
// what each app may reach, and the autoscaling limits the topic's partitions set.

/** The four apps of the image, and what each needs of its pod. */
const APPS = {
  api: { workload: 'kanshi-api', entry: 'apps/api/src/main', port: 3000, portKey: 'apiPort', kafkaUser: undefined, reaches: ['postgres', 'redis'], servesNamespace: true },
  'ingest-gateway': { workload: 'kanshi-ingest-gateway', entry: 'apps/ingest-gateway/src/main', port: 3001, portKey: 'gatewayPort', kafkaUser: KAFKA_PRINCIPALS.gateway, reaches: ['postgres', 'redis', 'kafka'], servesNamespace: true },
  'policy-engine': { workload: 'kanshi-policy-engine', entry: 'apps/policy-engine/src/main', port: 3002, portKey: 'engineHttpPort', kafkaUser: KAFKA_PRINCIPALS.engine, reaches: ['postgres', 'redis', 'kafka'], servesNamespace: false },
  'alert-worker': { workload: 'kanshi-alert-worker', entry: 'apps/alert-worker/src/main', port: 3003, portKey: 'workerHttpPort', kafkaUser: undefined, reaches: ['postgres', 'redis', 'notifications'], servesNamespace: false },
} as const satisfies Record<string, { workload: string; entry: string; port: number; portKey: ConfigKey; kafkaUser: string | undefined; reaches: readonly string[]; servesNamespace: boolean }>;
type App = keyof typeof APPS;
const APP_NAMES = Object.keys(APPS) as App[];

/** The one-shot Job that migrates and creates the topics, as the schema owner and the Kafka super user. */
const MIGRATE = { workload: 'kanshi-migrate', command: ['node', 'dist/infra/scripts/infra.js', 'migrate'], kafkaUser: 'kanshi-admin', reaches: ['postgres', 'redis', 'kafka'] } as const;
type Workloads = App | 'migrate';

/** The overlays there must be, and their namespaces. */
const OVERLAYS = { dev: 'kanshi-dev', prod: 'kanshi' } as const;
type Overlay = keyof typeof OVERLAYS;

/** The namespace Prometheus scrapes from (docs/deploy.md). */
const MONITORING_NAMESPACE = 'monitoring';
/** Selects everything the migrate Job needs but not the apps: docs/deploy.md applies it first. */
const PRE_MIGRATE_SELECTOR = 'app.kubernetes.io/component notin (api,ingest-gateway,policy-engine,alert-worker)';

/**
 * Variables with no default that Kanshi's pods run without on purpose, and why. Every other
 * variable without a default must be set (a literal, the ConfigMap or a secretKeyRef).
 */
const UNSET_ON_PURPOSE: Readonly<Record<string, string>> = {
  KANSHI_DEV_API_KEY: 'the demo seed\'s admin key; NODE_ENV=production refuses it',
  KANSHI_KAFKA_TLS_CA_FILE: 'unset: the brokers\' certificates are checked against the system CAs',
  KANSHI_KAFKA_TLS_CERT_FILE: 'only for brokers that authenticate clients by certificate (mTLS); these sign in with SASL/SCRAM',
  KANSHI_KAFKA_TLS_KEY_FILE: 'only with KANSHI_KAFKA_TLS_CERT_FILE',
  KANSHI_SECTOR_MODULES: 'plug-in sector modules besides the built-in four: none in the image',
  KANSHI_EVIDENCE_SIGNING_KEY_FILE: 'KANSHI_EVIDENCE_SIGNING_KEY is given instead (both at once is refused)',
  KANSHI_REPORT_FONT: 'the image installs the default font (fonts-ipafont-gothic)',
  KANSHI_OUTBOUND_ALLOWLIST: 'empty: no internal notification receivers until the operator names some',
  KANSHI_SECRETS_PREVIOUS_KEYS: 'only while a rotation of KANSHI_SECRETS_KEY is under way (an optional secretKeyRef)',
  KANSHI_LOG_FORMAT: 'defaults to json under NODE_ENV=production',
};

/** Variables a workload does not read, and why (so it need not, and should not, be given them). */
const NOT_READ: Readonly<Record<Workloads, Readonly<Record<string, string>>>> = {
  api: {
    KANSHI_KAFKA_BROKERS: 'the api does not use Kafka',
    KANSHI_KAFKA_SASL_USERNAME: 'the api does not use Kafka and has no principal',
    KANSHI_KAFKA_SASL_PASSWORD: 'the api does not use Kafka and has no principal',
  },
  'ingest-gateway': { KANSHI_EVIDENCE_SIGNING_KEY: 'the gateway signs no evidence' },
  'policy-engine': { KANSHI_EVIDENCE_SIGNING_KEY: 'the engine signs no evidence' },
  'alert-worker': {
    KANSHI_KAFKA_BROKERS: 'the worker does not use Kafka',
    KANSHI_KAFKA_SASL_USERNAME: 'the worker does not use Kafka and has no principal',
    KANSHI_KAFKA_SASL_PASSWORD: 'the worker does not use Kafka and has no principal',
  },
  migrate: {
    KANSHI_SECRETS_KEY: 'infra.js seals and opens nothing; the Job runs as development so that it need not hold the key',
    KANSHI_EVIDENCE_SIGNING_KEY: 'infra.js signs nothing',
  },
};

/** The Secret keys each workload is given, and no others (docs/deploy.md "Secrets" lists them). */
const SECRET_KEYS: Readonly<Record<Workloads, readonly string[]>> = {
  api: ['kanshi-secrets/KANSHI_DATABASE_URL', 'kanshi-secrets/KANSHI_REDIS_URL', 'kanshi-secrets/KANSHI_SECRETS_KEY', 'kanshi-secrets/KANSHI_SECRETS_PREVIOUS_KEYS', 'kanshi-secrets/KANSHI_EVIDENCE_SIGNING_KEY'],
  'ingest-gateway': ['kanshi-secrets/KANSHI_DATABASE_URL', 'kanshi-secrets/KANSHI_REDIS_URL', 'kanshi-secrets/KANSHI_SECRETS_KEY', 'kanshi-secrets/KANSHI_SECRETS_PREVIOUS_KEYS', 'kanshi-secrets/KAFKA_GATEWAY_PASSWORD'],
  'policy-engine': ['kanshi-secrets/KANSHI_DATABASE_URL', 'kanshi-secrets/KANSHI_REDIS_URL', 'kanshi-secrets/KANSHI_SECRETS_KEY', 'kanshi-secrets/KANSHI_SECRETS_PREVIOUS_KEYS', 'kanshi-secrets/KAFKA_ENGINE_PASSWORD'],
  'alert-worker': ['kanshi-secrets/KANSHI_DATABASE_URL', 'kanshi-secrets/KANSHI_REDIS_URL', 'kanshi-secrets/KANSHI_SECRETS_KEY', 'kanshi-secrets/KANSHI_SECRETS_PREVIOUS_KEYS', 'kanshi-secrets/KANSHI_EVIDENCE_SIGNING_KEY'],
  migrate: ['kanshi-migrate-secrets/KANSHI_DATABASE_MIGRATION_URL', 'kanshi-migrate-secrets/KAFKA_ADMIN_PASSWORD', 'kanshi-secrets/KANSHI_DATABASE_URL', 'kanshi-secrets/KANSHI_REDIS_URL'],
};

/** Values that stand in for the Secrets' (never in the tree), valid for the variables' parsers. */
const STAND_INS: Readonly<Record<string, () => string>> = {
  KANSHI_DATABASE_URL: () => 'postgres://kanshi_app:stand-in@db.example.internal:5432/kanshi',
  KANSHI_DATABASE_MIGRATION_URL: () => 'postgres://kanshi_owner:stand-in@db.example.internal:5432/kanshi',
  KANSHI_REDIS_URL: () => 'rediss://:stand-in@redis.example.internal:6379',
  KANSHI_SECRETS_KEY: () => randomBytes(32).toString('base64'),
  KANSHI_SECRETS_PREVIOUS_KEYS: () => randomBytes(32).toString('base64'),
  KANSHI_EVIDENCE_SIGNING_KEY: () => randomBytes(32).toString('base64'),
  KANSHI_KAFKA_SASL_PASSWORD: () => randomBytes(24).toString('base64'),
};

/** The Kafka scaler's name for each SASL mechanism of KANSHI_KAFKA_SASL_MECHANISM. */
const KEDA_SASL: Readonly<Record<string, string>> = { 'scram-sha-512': 'scram_sha512', 'scram-sha-256': 'scram_sha256', plain: 'plaintext', none: 'none' };

/** What a destination port of an egress rule is for. */
function portPurpose(port: number): string {
  if (port === 53) return 'dns';
  if (port === 5432) return 'postgres';
  if (port === 6379) return 'redis';
  if (port >= 9092 && port <= 9096) return 'kafka';
  if ([25, 80, 443, 465, 587].includes(port)) return 'notifications';
  return `port ${port}`;
}

const VARIABLES = Object.values(CONFIG_VARIABLES) as ConfigVariable<unknown>[];
const KNOWN_NAMES = new Set(VARIABLES.map((v) => v.name));
const variableNamed = (name: string): ConfigVariable<unknown> | undefined => VARIABLES.find((v) => v.name === name);

/** One overlay, rendered, with the lookups the checks share. */
class Rendered {
  readonly workloads: Workload[];
  readonly configMaps: ConfigMap[];

  constructor(
    readonly overlay: Overlay,
    readonly objects: readonly K8sObject[],
  ) {
    this.workloads = this.ofKind<Workload>('Deployment', 'Job');
    this.configMaps = this.ofKind<ConfigMap>('ConfigMap');
  }

  ofKind<T extends K8sObject>(...kinds: string[]): T[] {
    return this.objects.filter((o) => kinds.includes(o.kind)) as T[];
  }

  workload(name: Workloads): Workload {
    const wanted = name === 'migrate' ? MIGRATE.workload : APPS[name].workload;
    const found = this.workloads.find((w) => w.metadata.name === wanted);
    if (!found) throw new Error(`${this.overlay}: no workload ${wanted}`);
    return found;
  }

  /** The one container of a workload's pods. */
  container(name: Workloads): Container {
    const containers = this.workload(name).spec.template.spec.containers;
    expect({ workload: name, containers: containers.length }).toEqual({ workload: name, containers: 1 });
    return containers[0] as Container;
  }

  env(name: Workloads): ResolvedEnv {
    return resolveEnv(this.container(name), this.configMaps);
  }

  /** The workload's environment with stand-ins for its secrets (optional ones left unset, as when absent), parsed by the apps' own loader. */
  config(name: Workloads): ConfigValues {
    const { values, sources } = this.env(name);
    const env: Record<string, string> = { ...values };
    for (const [variable, source] of Object.entries(sources)) {
      if (source.from !== 'secret' || source.optional) continue;
      const standIn = STAND_INS[variable];
      if (!standIn) throw new Error(`${name}: ${variable} comes from a Secret but has no stand-in value in this spec`);
      env[variable] = standIn();
    }
    return loadConfig(env).values;
  }

  podLabels(name: Workloads): Readonly<Record<string, string>> {
    return this.workload(name).spec.template.metadata?.labels ?? {};
  }
}

const overlayDirs = readdirSync(join(K8S_DIR, 'overlays'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('deploy/k8s', () => {
  it('has the overlays dev and prod, and the autoscaling component', () => {
    expect(overlayDirs).toEqual(Object.keys(OVERLAYS).sort());
    expect(existsSync(join(K8S_DIR, 'components', 'autoscaling', 'kustomization.yaml'))).toBe(true);
  });

  describe.each(Object.keys(OVERLAYS) as Overlay[])('overlays/%s', (overlay) => {
    let r: Rendered;
    beforeAll(() => {
      r = new Rendered(overlay, renderOverlay(overlay));
    });

    it('renders objects that all pass the Kubernetes and KEDA schemas', () => {
      expect(r.objects.length).toBeGreaterThan(0);
      expect(schemaProblems(r.objects)).toEqual([]);
    });

    it('holds no secret value, and puts everything in its namespace', () => {
      expect(r.ofKind('Secret').map((s) => s.metadata.name)).toEqual([]);
      const outside = r.objects.filter((o) => o.metadata.namespace !== OVERLAYS[overlay]).map((o) => `${o.kind}/${o.metadata.name}`);
      expect(outside).toEqual([]);
    });

    it('runs the four apps and the migrate Job from one image, each with the entry point the build produces', () => {
      const deployments = r.ofKind<Workload>('Deployment').map((d) => d.metadata.name).sort();
      expect(deployments).toEqual(APP_NAMES.map((app) => APPS[app].workload).sort());
      expect(r.ofKind<Workload>('Job').map((j) => j.metadata.name)).toEqual([MIGRATE.workload]);
      const images = new Set(r.workloads.flatMap((w) => [...w.spec.template.spec.containers, ...(w.spec.template.spec.initContainers ?? [])].map((c) => c.image)));
      expect(images.size).toBe(1);
      for (const app of APP_NAMES) {
        const { command = [], args = [] } = r.container(app);
        expect({ app, command: [...command, ...args] }).toEqual({ app, command: ['node', `dist/${APPS[app].entry}.js`] });
        expect({ app, source: existsSync(join(REPO_ROOT, `${APPS[app].entry}.ts`)) }).toEqual({ app, source: true });
      }
      const migrate = r.container('migrate');
      expect([...(migrate.command ?? []), ...(migrate.args ?? [])]).toEqual(MIGRATE.command);
      // infra.js's subcommand that migrates as the owner and creates the topics.
      expect(readFileSync(join(REPO_ROOT, 'infra', 'scripts', 'infra.ts'), 'utf8')).toMatch(/case 'migrate':\s*\n\s*return migrateForDeployment\(config\)/);
    });

    it('gives every app liveness on /health/live and readiness on /health/ready, on the port it is configured to serve', () => {
      for (const app of APP_NAMES) {
        const container = r.container(app);
        const { port, portKey } = APPS[app];
        const probes = {
          liveness: container.livenessProbe?.httpGet,
          readiness: container.readinessProbe?.httpGet,
          startup: container.startupProbe?.httpGet ?? { path: '/health/live', port },
        };
        expect({ app, probes }).toEqual({
          app,
          probes: { liveness: { path: '/health/live', port }, readiness: { path: '/health/ready', port }, startup: { path: '/health/live', port } },
        });
        expect({ app, containerPorts: (container.ports ?? []).map((p) => p.containerPort) }).toEqual({ app, containerPorts: [port] });
        expect({ app, configured: r.config(app)[portKey] }).toEqual({ app, configured: port });
      }
    });

    it('sets requests and limits of CPU and memory on every container, requests within limits', () => {
      const problems: string[] = [];
      for (const w of r.workloads) {
        for (const c of w.spec.template.spec.containers) {
          for (const resource of ['cpu', 'memory']) {
            const request = c.resources?.requests?.[resource];
            const limit = c.resources?.limits?.[resource];
            if (request === undefined || limit === undefined) problems.push(`${w.metadata.name}/${c.name}: ${resource} request ${String(request)}, limit ${String(limit)}`);
            else if (quantity(request) > quantity(limit)) problems.push(`${w.metadata.name}/${c.name}: ${resource} request ${request} over its limit ${limit}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('runs every container as non-root on a read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp, no API token', () => {
      const problems: string[] = [];
      for (const w of r.workloads) {
        const pod = w.spec.template.spec;
        const where = w.metadata.name;
        if (pod.automountServiceAccountToken !== false) problems.push(`${where}: automountServiceAccountToken is not false`);
        if (pod.enableServiceLinks !== false) problems.push(`${where}: enableServiceLinks is not false (a Service "kanshi-api" would set KANSHI_API_PORT=tcp://…)`);
        if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${where}: shares a host namespace`);
        for (const c of pod.containers) {
          const own = c.securityContext ?? {};
          const runAsNonRoot = own.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
          const runAsUser = own.runAsUser ?? pod.securityContext?.runAsUser;
          const seccomp = own.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
          const name = `${where}/${c.name}`;
          if (runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot is not true`);
          // The image's USER is `node`, a name: the kubelet can check runAsNonRoot only against a number.
          if (typeof runAsUser !== 'number' || runAsUser === 0) problems.push(`${name}: runAsUser is not a non-zero uid`);
          if (seccomp !== 'RuntimeDefault') problems.push(`${name}: seccomp profile ${String(seccomp)}`);
          if (own.readOnlyRootFilesystem !== true) problems.push(`${name}: root filesystem is writable`);
          if (own.allowPrivilegeEscalation !== false) problems.push(`${name}: allowPrivilegeEscalation is not false`);
          if (own.privileged) problems.push(`${name}: privileged`);
          if (!(own.capabilities?.drop ?? []).includes('ALL')) problems.push(`${name}: does not drop ALL capabilities`);
          if ((own.capabilities?.add ?? []).length > 0) problems.push(`${name}: adds capabilities`);
          for (const mount of c.volumeMounts ?? []) {
            const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
            if (!mount.readOnly && volume?.emptyDir === undefined) problems.push(`${name}: ${mount.mountPath} is writable and not an emptyDir`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('gives the alert worker a writable /tmp, where evidence bundles are made before they are stored', () => {
      const worker = r.workload('alert-worker').spec.template.spec;
      const mount = r.container('alert-worker').volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(mount).toBeDefined();
      expect(worker.volumes?.find((v) => v.name === mount?.name)?.emptyDir).toBeDefined();
      // The reason, in the code: the bundle job stages its files under os.tmpdir().
      expect(readFileSync(join(REPO_ROOT, 'libs', 'evidence', 'src', 'bundles', 'export-bundle.job.ts'), 'utf8')).toContain('tmpdir()');
    });

    it('sets, for every app and the Job, each variable without a default, or leaves it unset for a stated reason', () => {
      const problems: string[] = [];
      for (const name of [...APP_NAMES, 'migrate'] as Workloads[]) {
        const { values, sources, problems: envProblems } = r.env(name);
        problems.push(...envProblems.map((p) => `${name}: ${p}`));
        const set = (variable: string): boolean => sources[variable] !== undefined && (sources[variable]?.from === 'secret' || (values[variable] ?? '') !== '');
        for (const variable of Object.keys(sources)) {
          if ((variable.startsWith('KANSHI_') || variable === 'NODE_ENV') && !KNOWN_NAMES.has(variable)) problems.push(`${name}: ${variable} is no variable Kanshi reads`);
        }
        for (const v of VARIABLES) {
          if (v.default !== undefined || v.defaultFrom !== undefined || set(v.name)) continue;
          if (UNSET_ON_PURPOSE[v.name] === undefined && NOT_READ[name][v.name] === undefined) problems.push(`${name}: ${v.name} has no default and is not set`);
        }
        // A default on the loopback is the laptop's: in a pod it points at nothing.
        for (const v of VARIABLES) {
          const fallback = v.default ?? v.defaultFrom?.({});
          if (!fallback?.includes('127.0.0.1') || set(v.name) || NOT_READ[name][v.name] !== undefined) continue;
          if (v.name === CONFIG_VARIABLES.databaseMigrationUrl.name && name !== 'migrate') continue;
          problems.push(`${name}: ${v.name} is unset, so it takes its loopback default ${fallback}`);
        }
        for (const [variable, why] of Object.entries(NOT_READ[name])) {
          if (set(variable)) problems.push(`${name}: ${variable} is given, but ${why}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('takes every sensitive variable from a Secret, and gives each workload only its own Secret keys', () => {
      const problems: string[] = [];
      for (const name of [...APP_NAMES, 'migrate'] as Workloads[]) {
        const { sources } = r.env(name);
        for (const [variable, source] of Object.entries(sources)) {
          if (variableNamed(variable)?.sensitive && source.from !== 'secret') problems.push(`${name}: ${variable} is sensitive but comes from a ${source.from}`);
        }
        const keys = Object.values(sources)
          .flatMap((s) => (s.from === 'secret' ? [`${s.secret}/${s.key}`] : []))
          .sort();
        if (keys.join() !== [...SECRET_KEYS[name]].sort().join()) problems.push(`${name}: given ${keys.join(', ')}; expected ${[...SECRET_KEYS[name]].sort().join(', ')}`);
        const optional = Object.entries(sources).filter(([, s]) => s.from === 'secret' && s.optional).map(([v]) => v);
        if (optional.some((v) => v !== 'KANSHI_SECRETS_PREVIOUS_KEYS')) problems.push(`${name}: optional secrets ${optional.join(', ')}`);
      }
      expect(problems).toEqual([]);
    });

    it('starts every app under NODE_ENV=production, listening on all addresses, with its own Kafka principal or none', () => {
      for (const app of APP_NAMES) {
        const values = r.config(app); // throws like the app would at start-up
        expect({ app, nodeEnv: values.nodeEnv, bindHost: values.bindHost }).toEqual({ app, nodeEnv: 'production', bindHost: '0.0.0.0' });
        const kafka = APPS[app].kafkaUser === undefined ? { mechanism: 'none', user: undefined } : { mechanism: 'scram-sha-512', user: APPS[app].kafkaUser };
        expect({ app, mechanism: values.kafkaSaslMechanism, user: values.kafkaSaslUsername }).toEqual({ app, ...kafka });
        if (APPS[app].kafkaUser !== undefined) {
          for (const broker of values.kafkaBrokers) expect({ app, broker, local: /^(127\.|localhost)/.test(broker) }).toEqual({ app, broker, local: false });
        }
      }
    });

    it('migrates as the schema owner and the Kafka super user, whose credentials only the Job has', () => {
      const values = r.config('migrate');
      expect(values.kafkaSaslUsername).toBe(MIGRATE.kafkaUser);
      expect(r.env('migrate').sources['KANSHI_DATABASE_MIGRATION_URL']).toMatchObject({ from: 'secret', secret: 'kanshi-migrate-secrets' });
      for (const app of APP_NAMES) {
        const secrets = Object.values(r.env(app).sources).flatMap((s) => (s.from === 'secret' ? [s.secret] : []));
        expect({ app, migrateSecrets: secrets.includes('kanshi-migrate-secrets') }).toEqual({ app, migrateSecrets: false });
        expect({ app, ownerUrl: r.env(app).sources['KANSHI_DATABASE_MIGRATION_URL'] }).toEqual({ app, ownerUrl: undefined });
      }
      // The Job creates the topic the engine consumes, with the partitions the engine scales to.
      expect(values.telemetryPartitions).toBe(r.config('policy-engine').telemetryPartitions);
      expect(values.engineGroupId).toBe(r.config('policy-engine').engineGroupId);
    });

    it('exposes the api and the gateway by Service, and every app\'s metrics with prometheus.io annotations', () => {
      const services = r.ofKind<Service>('Service');
      const problems: string[] = [];
      for (const service of services) {
        const targets = r.ofKind<Workload>('Deployment').filter((d) => service.spec.selector && selects({ matchLabels: service.spec.selector }, d.spec.template.metadata?.labels));
        if (targets.length !== 1) problems.push(`Service ${service.metadata.name} selects ${targets.length} Deployments`);
        for (const port of service.spec.ports) {
          const resolved = targets[0]?.spec.template.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === port.targetPort || p.containerPort === (port.targetPort ?? port.port));
          if (!resolved) problems.push(`Service ${service.metadata.name}: targetPort ${String(port.targetPort)} is no container port`);
        }
      }
      for (const app of APP_NAMES) {
        const labels = r.podLabels(app);
        const scraped = services.filter((s) => s.metadata.annotations?.['prometheus.io/scrape'] === 'true' && selects({ matchLabels: s.spec.selector ?? {} }, labels));
        const annotations = scraped.map((s) => ({ port: s.metadata.annotations?.['prometheus.io/port'], path: s.metadata.annotations?.['prometheus.io/path'] }));
        if (JSON.stringify(annotations) !== JSON.stringify([{ port: String(APPS[app].port), path: '/metrics' }])) problems.push(`${app}: scraped by ${JSON.stringify(annotations)}`);
        // The engine and the worker: one target per pod (each reports its own figures).
        if (!APPS[app].servesNamespace && scraped[0]?.spec.clusterIP !== 'None') problems.push(`${app}: its metrics Service is not headless`);
      }
      for (const app of ['api', 'ingest-gateway'] as const) {
        if (!services.some((s) => s.spec.clusterIP !== 'None' && selects({ matchLabels: s.spec.selector ?? {} }, r.podLabels(app)))) problems.push(`${app}: no ClusterIP Service`);
      }
      expect(problems).toEqual([]);
    });

    it('has a PodDisruptionBudget for every app', () => {
      const budgets = r.ofKind<PodDisruptionBudget>('PodDisruptionBudget');
      for (const app of APP_NAMES) {
        const covering = budgets.filter((b) => selects(b.spec.selector, r.podLabels(app)));
        expect({ app, budgets: covering.length }).toEqual({ app, budgets: 1 });
      }
    });

    describe('network policies', () => {
      let policies: NetworkPolicy[];
      beforeAll(() => {
        policies = r.ofKind<NetworkPolicy>('NetworkPolicy');
      });
      const podTemplates = (): Readonly<Record<string, string>>[] => r.workloads.map((w) => w.spec.template.metadata?.labels ?? {});
      const inNamespacePeer = (peer: NetworkPolicyPeer): boolean => peer.namespaceSelector === undefined && peer.ipBlock === undefined;

      it('deny everything by default', () => {
        const denyAll = policies.filter((p) => isEmptySelector(p.spec.podSelector) && p.spec.ingress === undefined && p.spec.egress === undefined);
        expect(denyAll.map((p) => [...(p.spec.policyTypes ?? [])].sort())).toEqual([['Egress', 'Ingress']]);
      });

      it('select only pods that exist, and name only peers in the namespace that exist', () => {
        const problems: string[] = [];
        for (const policy of policies) {
          const { podSelector } = policy.spec;
          if (!isEmptySelector(podSelector) && !podTemplates().some((labels) => selects(podSelector, labels))) problems.push(`${policy.metadata.name} selects no pod`);
          const peers = [...(policy.spec.ingress ?? []).flatMap((rule) => rule.from ?? []), ...(policy.spec.egress ?? []).flatMap((rule) => rule.to ?? [])];
          for (const peer of peers.filter(inNamespacePeer)) {
            if (!isEmptySelector(peer.podSelector) && !podTemplates().some((labels) => selects(peer.podSelector, labels))) problems.push(`${policy.metadata.name}: a peer selects no pod`);
          }
        }
        expect(problems).toEqual([]);
      });

      it('let each workload reach what it uses and nothing else', () => {
        const reached = (labels: Readonly<Record<string, string>>): string[] => {
          const purposes = new Set<string>();
          for (const policy of policies.filter((p) => (p.spec.policyTypes ?? []).includes('Egress') && selects(p.spec.podSelector, labels))) {
            for (const rule of policy.spec.egress ?? []) {
              if (rule.ports === undefined || rule.ports.length === 0) purposes.add('every port');
              for (const { port, endPort } of rule.ports ?? []) {
                if (typeof port !== 'number') purposes.add(`port ${String(port)}`);
                else for (let p = port; p <= (endPort ?? port); p += 1) purposes.add(portPurpose(p));
              }
              if (rule.to === undefined) purposes.add('any destination');
            }
          }
          return [...purposes].sort();
        };
        for (const name of [...APP_NAMES, 'migrate'] as Workloads[]) {
          const expected = ['dns', ...(name === 'migrate' ? MIGRATE.reaches : APPS[name].reaches)].sort();
          expect({ workload: name, reaches: reached(r.podLabels(name)) }).toEqual({ workload: name, reaches: expected });
        }
        // Notifications may not be aimed at the cloud metadata service or the private networks.
        const toNotifications = policies
          .filter((p) => selects(p.spec.podSelector, r.podLabels('alert-worker')))
          .flatMap((p) => p.spec.egress ?? [])
          .filter((rule) => (rule.ports ?? []).some((port) => port.port === 443))
          .flatMap((rule) => rule.to ?? []);
        expect(toNotifications.length).toBeGreaterThan(0);
        for (const peer of toNotifications) {
          const internal = peer.ipBlock?.cidr.includes(':') ? ['fc00::/7', 'fe80::/10'] : ['10.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];
          expect({ peer, refused: peer.ipBlock?.except }).toEqual({ peer, refused: expect.arrayContaining(internal) });
        }
      });

      it('let the api and the gateway be reached from the namespace, and every app\'s metrics port from the monitoring namespace only otherwise', () => {
        const problems: string[] = [];
        for (const name of [...APP_NAMES, 'migrate'] as Workloads[]) {
          const rules = policies.filter((p) => (p.spec.policyTypes ?? []).includes('Ingress') && selects(p.spec.podSelector, r.podLabels(name))).flatMap((p) => p.spec.ingress ?? []);
          if (name === 'migrate') {
            if (rules.length > 0) problems.push('migrate: reachable from outside');
            continue;
          }
          const { port, servesNamespace } = APPS[name];
          for (const rule of rules) {
            const ports = (rule.ports ?? []).map((p) => p.port);
            if (ports.length === 0 || ports.some((p) => p !== port)) problems.push(`${name}: ingress on ${ports.length ? ports.join(', ') : 'every port'}`);
            if (rule.from === undefined) problems.push(`${name}: ingress from anywhere`);
          }
          const peers = rules.flatMap((rule) => rule.from ?? []);
          if (!peers.some((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === MONITORING_NAMESPACE)) problems.push(`${name}: Prometheus (namespace ${MONITORING_NAMESPACE}) cannot scrape it`);
          const fromNamespace = peers.some((peer) => inNamespacePeer(peer));
          if (fromNamespace !== servesNamespace) problems.push(`${name}: reachable from the namespace: ${String(fromNamespace)}`);
        }
        expect(problems).toEqual([]);
      });
    });

    it('lets the migrate Job be applied, with what it needs, before the apps (docs/deploy.md)', () => {
      const [key, values] = /^(\S+) notin \(([^)]*)\)$/.exec(PRE_MIGRATE_SELECTOR)?.slice(1) ?? [];
      const first = r.objects.filter((o) => selects({ matchExpressions: [{ key: key as string, operator: 'NotIn', values: (values ?? '').split(',') }] }, o.metadata.labels));
      const names = first.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(names).toContain(`Job/${MIGRATE.workload}`);
      expect(first.filter((o) => o.kind === 'Deployment')).toEqual([]);
      const job = r.workload('migrate').spec.template.spec;
      expect(names).toContain(`ServiceAccount/${job.serviceAccountName ?? 'default'}`);
      for (const from of r.container('migrate').envFrom ?? []) expect(names).toContain(`ConfigMap/${from.configMapRef?.name ?? ''}`);
      expect(readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8')).toContain(PRE_MIGRATE_SELECTOR);
    });

    if (overlay === 'dev') {
      it('runs one replica of each app, without autoscaling', () => {
        expect(r.ofKind('ScaledObject', 'HorizontalPodAutoscaler', 'TriggerAuthentication')).toEqual([]);
        for (const app of APP_NAMES) expect({ app, replicas: r.workload(app).spec.replicas }).toEqual({ app, replicas: 1 });
      });
    }

    if (overlay === 'prod') {
      it('pins the image to a release', () => {
        const image = r.container('api').image;
        expect(image).toMatch(/^[^:@]+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$/);
        expect(image).toMatch(/(:(?!latest$|local$)[^:@/]+|@sha256:[a-f0-9]{64})$/);
      });

      it('scales every app with KEDA, leaving the replica count to it', () => {
        const scaled = r.ofKind<ScaledObject>('ScaledObject');
        expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(APP_NAMES.map((app) => APPS[app].workload).sort());
        expect(r.ofKind('HorizontalPodAutoscaler')).toEqual([]);
        for (const s of scaled) {
          const target = r.ofKind<Workload>('Deployment').find((d) => d.metadata.name === s.spec.scaleTargetRef.name);
          expect({ scaledObject: s.metadata.name, kind: s.spec.scaleTargetRef.kind ?? 'Deployment', replicasInManifest: target?.spec.replicas }).toEqual({
            scaledObject: s.metadata.name,
            kind: 'Deployment',
            replicasInManifest: undefined,
          });
          const min = s.spec.minReplicaCount ?? 0;
          const max = s.spec.maxReplicaCount ?? 100;
          expect({ scaledObject: s.metadata.name, min: min >= 2, max: max >= min }).toEqual({ scaledObject: s.metadata.name, min: true, max: true });
        }
      });

      it('scales the engine on its group\'s lag on the telemetry topic, up to the topic\'s partitions, signed in as the engine', () => {
        const engine = r.ofKind<ScaledObject>('ScaledObject').find((s) => s.spec.scaleTargetRef.name === APPS['policy-engine'].workload);
        const trigger = engine?.spec.triggers.find((t) => t.type === 'kafka');
        if (!engine || !trigger) throw new Error('no kafka trigger for the engine');
        expect(engine.spec.triggers).toHaveLength(1);
        const container = engine.spec.scaleTargetRef.envSourceContainerName ?? r.container('policy-engine').name;
        expect(container).toBe(r.container('policy-engine').name);
        const env = r.env('policy-engine').values;
        const values = r.config('policy-engine');
        const fromEnv = (key: string): string | undefined => {
          const variable = trigger.metadata[`${key}FromEnv`];
          return variable === undefined ? trigger.metadata[key] : env[variable];
        };
        expect(fromEnv('consumerGroup')).toBe(values.engineGroupId);
        expect(fromEnv('bootstrapServers')?.split(',')).toEqual(values.kafkaBrokers);
        expect(trigger.metadata['topic']).toBe(TOPICS.telemetry);
        expect(trigger.metadata['allowIdleConsumers'] ?? 'false').toBe('false');
        // Replicas past the partitions would sit idle: never more than the Job creates.
        expect(engine.spec.maxReplicaCount).toBeLessThanOrEqual(r.config('migrate').telemetryPartitions);
        expect(trigger.metadata['sasl']).toBe(KEDA_SASL[values.kafkaSaslMechanism]);
        expect(trigger.metadata['tls']).toBe(values.kafkaTls ? 'enable' : 'disable');
        const auth = r.ofKind<TriggerAuthentication>('TriggerAuthentication').find((a) => a.metadata.name === trigger.authenticationRef?.name);
        expect(auth).toBeDefined();
        const password = r.env('policy-engine').sources['KANSHI_KAFKA_SASL_PASSWORD'];
        expect(auth?.spec.secretTargetRef).toEqual([{ parameter: 'password', name: password?.from === 'secret' ? password.secret : '?', key: password?.from === 'secret' ? password.key : '?' }]);
        expect(auth?.spec.env).toEqual([{ parameter: 'username', name: 'KANSHI_KAFKA_SASL_USERNAME', containerName: container }]);
        expect(env['KANSHI_KAFKA_SASL_USERNAME']).toBe(KAFKA_PRINCIPALS.engine);
      });

      it('scales the worker on the depth of its queues, counted once however many workers report it', () => {
        const worker = r.ofKind<ScaledObject>('ScaledObject').find((s) => s.spec.scaleTargetRef.name === APPS['alert-worker'].workload);
        const queries = (worker?.spec.triggers ?? []).map((t) => ({ type: t.type, query: t.metadata['query'] ?? '' }));
        expect(queries.length).toBeGreaterThan(0);
        expect(queries.map((q) => q.type)).toEqual(queries.map(() => 'prometheus'));
        // The metric the worker exports (libs/queue), the queues and states it has.
        expect(readFileSync(join(REPO_ROOT, 'libs', 'queue', 'src', 'queue-metrics.ts'), 'utf8')).toContain("name: 'kanshi_queue_jobs'");
        const queues = queries.map(({ query }) => /queue="([^"]+)"/.exec(query)?.[1]);
        expect(queues).toContain(QUEUES.alerts);
        for (const { query } of queries) {
          expect(query).toMatch(/^sum\(max by \(state\) \(kanshi_queue_jobs\{queue="[a-z]+",state=~"[a-z|]+"\}\)\)$/);
          expect(Object.values(QUEUES)).toContain(/queue="([^"]+)"/.exec(query)?.[1]);
          for (const state of (/state=~"([^"]+)"/.exec(query)?.[1] ?? '').split('|')) expect(DEPTH_STATES).toContain(state);
        }
      });

      it('scales the api and the gateway on CPU, which their containers request', () => {
        for (const app of ['api', 'ingest-gateway'] as const) {
          const scaled = r.ofKind<ScaledObject>('ScaledObject').find((s) => s.spec.scaleTargetRef.name === APPS[app].workload);
          expect({ app, triggers: scaled?.spec.triggers.map((t) => [t.type, t.metricType]) }).toEqual({ app, triggers: [['cpu', 'Utilization']] });
          expect(r.container(app).resources?.requests?.['cpu']).toBeDefined();
        }
      });
    }
  });
});
