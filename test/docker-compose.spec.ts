import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '@kanshi/config';

// docker-compose.yml is checked against the code: a renamed variable, a moved entry point or a
// lost port fails here, not on someone's `docker compose up`.

const ROOT = join(__dirname, '..');
const APPS = ['api', 'ingest-gateway', 'policy-engine', 'alert-worker'] as const;
const REQUIRED = ['kafka', 'postgres', 'redis', 'migrate', ...APPS] as const;

interface PortObject {
  readonly target?: number | string;
  readonly published?: number | string;
  readonly host_ip?: string;
}

interface Service {
  readonly image?: string;
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string };
  readonly command?: string | readonly string[];
  readonly environment?: Readonly<Record<string, unknown>> | readonly string[];
  readonly ports?: readonly (string | number | PortObject)[];
  readonly depends_on?: readonly string[] | Readonly<Record<string, { readonly condition?: string }>>;
  readonly healthcheck?: { readonly test?: string | readonly string[] };
}

interface ComposeFile {
  readonly version?: unknown;
  readonly services: Readonly<Record<string, Service>>;
}

function loadCompose(): ComposeFile {
  // `merge: true`: Compose resolves YAML merge keys (`<<: *anchor`), so the test does too.
  const parsed: unknown = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  if (typeof parsed !== 'object' || parsed === null || !('services' in parsed)) {
    throw new Error('docker-compose.yml has no services');
  }
  return parsed as ComposeFile;
}

function service(compose: ComposeFile, name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** The environment as a map, from either Compose form (map, or list of KEY=VALUE). */
function environmentOf(svc: Service): Record<string, string | undefined> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      (env as readonly string[]).map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, undefined] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  // Compose takes strings, numbers and booleans; anything else is a mistake in the file.
  return Object.fromEntries(
    Object.entries(env as Record<string, unknown>).map(([k, v]) => {
      if (v === null || v === undefined) return [k, undefined];
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`${k} is not a scalar`);
      return [k, String(v)];
    }),
  );
}

function commandOf(svc: Service): string[] {
  const command = svc.command ?? [];
  return typeof command === 'string' ? command.trim().split(/\s+/) : [...command];
}

/** Published ports in either Compose syntax: `[host_ip:]published:target[/protocol]` or objects. */
function portsOf(svc: Service): { hostIp: string | undefined; published: string; target: string }[] {
  return (svc.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { hostIp: port.host_ip, published: String(port.published ?? ''), target: String(port.target ?? '') };
    }
    const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
    const target = parts.pop() ?? '';
    const published = parts.pop() ?? '';
    return { hostIp: parts.length > 0 ? parts.join(':') : undefined, published, target };
  });
}

function dependencies(svc: Service): Record<string, string> {
  const deps = svc.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries((deps as readonly string[]).map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps as Record<string, { condition?: string }>).map(([k, v]) => [k, v.condition ?? 'service_started']),
  );
}

/** Services that run the Kanshi image (built from deploy/Dockerfile). */
function kanshiServices(compose: ComposeFile): [string, Service][] {
  return Object.entries(compose.services).filter(
    ([, svc]) => typeof svc.build === 'object' && svc.build.dockerfile === 'deploy/Dockerfile',
  );
}

const KNOWN_NAMES = new Set<string>(Object.values(CONFIG_VARIABLES).map((v) => v.name));

describe('docker-compose.yml', () => {
  const compose = loadCompose();

  it('is a Compose-spec file (no obsolete `version:` key) with every service of the stack', () => {
    expect(compose.version).toBeUndefined();
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining([...REQUIRED]));
  });

  it('builds every Kanshi service from deploy/Dockerfile, which exists', () => {
    const built = kanshiServices(compose).map(([name]) => name);
    expect(built).toEqual(expect.arrayContaining(['migrate', ...APPS]));
    expect(existsSync(join(ROOT, 'deploy', 'Dockerfile'))).toBe(true);
    const images = new Set(kanshiServices(compose).map(([, svc]) => svc.image));
    expect(images.size).toBe(1); // one image, built once, whatever the command
  });

  it('uses only KANSHI_ variables that the config defines, with values it accepts', () => {
    for (const [name, svc] of kanshiServices(compose)) {
      const env = environmentOf(svc);
      const unknown = Object.keys(env).filter((key) => key.startsWith('KANSHI_') && !KNOWN_NAMES.has(key));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
      // Values left to the operator (`${VAR:-}`) are checked where they are set, not here.
      const literal = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && !value.includes('${')));
      expect(() => loadConfig(literal)).not.toThrow();
    }
  });

  it('publishes the api on 3000 and the ingest-gateway on 3001, on 127.0.0.1 only', () => {
    expect(portsOf(service(compose, 'api'))).toContainEqual({ hostIp: '127.0.0.1', published: '3000', target: '3000' });
    expect(portsOf(service(compose, 'ingest-gateway'))).toContainEqual({ hostIp: '127.0.0.1', published: '3001', target: '3001' });
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const port of portsOf(svc)) expect({ service: name, hostIp: port.hostIp }).toEqual({ service: name, hostIp: '127.0.0.1' });
    }
    const api = loadConfig(environmentOf(service(compose, 'api'))).values;
    const gateway = loadConfig(environmentOf(service(compose, 'ingest-gateway'))).values;
    expect(api.apiPort).toBe(3000);
    expect(gateway.gatewayPort).toBe(3001);
    expect(api.bindHost).toBe('0.0.0.0'); // a container's 127.0.0.1 is not reachable through a published port
    expect(gateway.bindHost).toBe('0.0.0.0');
  });

  it('points the apps at the kafka, postgres and redis services', () => {
    const kafkaEnv = environmentOf(service(compose, 'kafka'));
    for (const app of [...APPS, 'migrate']) {
      const values = loadConfig(environmentOf(service(compose, app))).values;
      for (const broker of values.kafkaBrokers) {
        expect(broker).toBe('kafka:9092');
        expect(kafkaEnv['KAFKA_ADVERTISED_LISTENERS']).toContain(`://${broker}`);
      }
      expect(new URL(values.databaseUrl).hostname).toBe('postgres');
      expect(new URL(values.redisUrl).hostname).toBe('redis');
    }
  });

  it('connects the apps as the least-privilege role and migrates as the owner, whose URL only migrate has', () => {
    for (const name of [...APPS, 'seed-demo']) {
      const env = environmentOf(service(compose, name));
      expect({ service: name, user: new URL(env['KANSHI_DATABASE_URL'] ?? 'postgres://unset').username }).toEqual({ service: name, user: 'kanshi_app' });
      expect({ service: name, ownerUrl: env['KANSHI_DATABASE_MIGRATION_URL'] }).toEqual({ service: name, ownerUrl: undefined });
    }
    const migrate = loadConfig(environmentOf(service(compose, 'migrate'))).values;
    const owner = new URL(migrate.databaseMigrationUrl);
    const app = new URL(migrate.databaseUrl);
    expect({ owner: owner.username, app: app.username }).toEqual({ owner: 'postgres', app: 'kanshi_app' });
    expect(`${owner.host}${owner.pathname}`).toBe(`${app.host}${app.pathname}`);
  });

  it('runs Kafka as a single KRaft node and Redis with noeviction', () => {
    const kafka = service(compose, 'kafka');
    expect(kafka.image).toMatch(/^apache\/kafka:/);
    expect(environmentOf(kafka)).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller', KAFKA_NODE_ID: '1' });
    expect(commandOf(service(compose, 'redis')).join(' ')).toMatch(/--maxmemory-policy\s+noeviction/);
  });

  it('runs, in every app service, the entry point the build produces', () => {
    for (const app of APPS) {
      const script = commandOf(service(compose, app)).find((arg) => arg.endsWith('.js'));
      expect(script).toBe(`dist/apps/${app}/src/main.js`);
      expect(existsSync(join(ROOT, 'apps', app, 'src', 'main.ts'))).toBe(true);
    }
    expect(commandOf(service(compose, 'migrate'))).toEqual(['node', 'dist/infra/scripts/infra.js', 'up']);
  });

  it('refers, in every Kanshi command, only to dist/ files that a source file compiles to', () => {
    for (const [name, svc] of kanshiServices(compose)) {
      const paths = commandOf(svc).join(' ').match(/dist\/[\w./-]*\w/g) ?? [];
      for (const path of paths) {
        const source = path.replace(/^dist\//, '').replace(/\.js$/, '');
        const found = [`${source}.ts`, join(source, 'index.ts')].some((candidate) => existsSync(join(ROOT, candidate)));
        expect({ service: name, path, found }).toEqual({ service: name, path, found: true });
      }
    }
  });

  it('starts the apps after migrate has finished, and migrate once the servers are healthy', () => {
    expect(dependencies(service(compose, 'migrate'))).toMatchObject({
      kafka: 'service_healthy',
      postgres: 'service_healthy',
      redis: 'service_healthy',
    });
    for (const infra of ['kafka', 'postgres', 'redis']) expect(service(compose, infra).healthcheck?.test).toBeDefined();
    for (const app of APPS) expect(dependencies(service(compose, app))).toMatchObject({ migrate: 'service_completed_successfully' });
  });
});
