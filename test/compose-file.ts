import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// docker-compose.yml read the way Docker Compose reads it (YAML merge keys, `${VAR:-default}`
// interpolation), and the apache/kafka image's rendering of KAFKA_* variables into broker
// properties: for test/docker-compose.spec.ts and test/e2e/compose-kafka.e2e-spec.ts.

export const REPO_ROOT = join(__dirname, '..');
export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

interface PortObject {
  readonly target?: number | string;
  readonly published?: number | string;
  readonly host_ip?: string;
}

export interface ComposeService {
  readonly image?: string;
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string };
  readonly command?: string | readonly string[];
  readonly environment?: Readonly<Record<string, unknown>> | readonly string[];
  readonly ports?: readonly (string | number | PortObject)[];
  readonly volumes?: readonly (string | { readonly type?: string; readonly source?: string; readonly target?: string })[];
  readonly depends_on?: readonly string[] | Readonly<Record<string, { readonly condition?: string }>>;
  readonly healthcheck?: { readonly test?: string | readonly string[] };
}

export interface ComposeFile {
  readonly version?: unknown;
  readonly services: Readonly<Record<string, ComposeService>>;
}

/** The text of docker-compose.yml. */
export function composeText(): string {
  return readFileSync(COMPOSE_FILE, 'utf8');
}

/**
 * One string with Compose's interpolation applied: `$$` is a literal `$`; `${VAR}` and `$VAR`
 * the variable or nothing; `${VAR:-default}` the default when unset or empty, `${VAR-default}`
 * when unset; `${VAR:?message}` and `${VAR?message}` an error; `${VAR:+alt}` and `${VAR+alt}`
 * `alt` when set (and not empty, with the colon).
 */
export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (...match: (string | undefined)[]) => {
    const [whole, escaped, braced, colon, operator, argument, bare] = match;
    if (escaped === '$') return '$';
    if (bare !== undefined) return env[bare] ?? '';
    if (braced === undefined) throw new Error(`cannot interpolate ${whole ?? ''}`);
    if ((argument ?? '').includes('$')) throw new Error(`nested interpolation in ${whole ?? ''} is not supported here`);
    const raw = env[braced];
    const set = colon === ':' ? raw !== undefined && raw !== '' : raw !== undefined;
    switch (operator) {
      case undefined:
        return raw ?? '';
      case '-':
        return set ? (raw ?? '') : (argument ?? '');
      case '?':
        if (!set) throw new Error(`${braced}: ${argument ?? 'required'}`);
        return raw ?? '';
      case '+':
        return set ? (argument ?? '') : '';
      default:
        throw new Error(`cannot interpolate ${whole ?? ''}`);
    }
  });
}

/** Every string in a parsed document interpolated (keys are left as they are, as Compose does). */
function interpolateAll(node: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item: unknown) => interpolateAll(item, env));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateAll(value, env)]));
  }
  return node;
}

/**
 * docker-compose.yml as Compose loads it with `env` as the variables of the shell or `.env`:
 * merge keys resolved, `${…}` interpolated (`{}`: every variable at its default).
 */
export function loadCompose(env: Readonly<Record<string, string | undefined>>): ComposeFile {
  const parsed: unknown = parse(composeText(), { merge: true });
  if (typeof parsed !== 'object' || parsed === null || !('services' in parsed)) {
    throw new Error('docker-compose.yml has no services');
  }
  return interpolateAll(parsed, env) as ComposeFile;
}

/** The variables docker-compose.yml interpolates, by name (comments aside). */
export function interpolatedVariables(): Set<string> {
  const names = new Set<string>();
  // An environment that records every variable asked for, and has none of them.
  const recorder = new Proxy<Record<string, string | undefined>>({}, {
    get: (_target, name) => {
      if (typeof name === 'string') names.add(name);
      return undefined;
    },
  });
  interpolateAll(parse(composeText(), { merge: true }), recorder);
  return names;
}

export function service(compose: ComposeFile, name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** The environment as a map, from either Compose form (map, or list of KEY=VALUE). */
export function environmentOf(svc: ComposeService): Record<string, string | undefined> {
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

export function commandOf(svc: ComposeService): string[] {
  const command = svc.command ?? [];
  return typeof command === 'string' ? command.trim().split(/\s+/) : [...command];
}

/** Published ports in either Compose syntax: `[host_ip:]published:target[/protocol]` or objects. */
export function portsOf(svc: ComposeService): { hostIp: string | undefined; published: string; target: string }[] {
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

/** Bind mounts of files of this repository: container path -> repository path. */
export function bindMountsOf(svc: ComposeService): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of svc.volumes ?? []) {
    const [source, target] = typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target];
    if (source?.startsWith('./') && target) mounts.set(target, join(REPO_ROOT, source));
  }
  return mounts;
}

export function dependencies(svc: ComposeService): Record<string, string> {
  const deps = svc.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries((deps as readonly string[]).map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps as Record<string, { condition?: string }>).map(([k, v]) => [k, v.condition ?? 'service_started']),
  );
}

/** Services that run the Kanshi image (built from deploy/Dockerfile). */
export function kanshiServices(compose: ComposeFile): [string, ComposeService][] {
  return Object.entries(compose.services).filter(
    ([, svc]) => typeof svc.build === 'object' && svc.build.dockerfile === 'deploy/Dockerfile',
  );
}

/** Variables of the apache/kafka image that configure the JVM, not the broker. */
const IMAGE_JVM_VARIABLES = new Set([
  'KAFKA_VERSION',
  'KAFKA_HEAP_OPTS',
  'KAFKA_LOG4J_OPTS',
  'KAFKA_OPTS',
  'KAFKA_JMX_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_LOG4J_ROOT_LOGLEVEL',
  'KAFKA_LOG4J_LOGGERS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL',
  'KAFKA_JMX_HOSTNAME',
]);

/**
 * The broker properties the apache/kafka image makes of an environment (its
 * kafka.docker.KafkaDockerWrapper): every KAFKA_* variable but the JVM's, without `KAFKA_`, in
 * lower case, `_` to `.`, then `...` to `-` and `..` to `_`.
 */
export function imageServerProperties(env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const properties = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('KAFKA_') || IMAGE_JVM_VARIABLES.has(name) || value === undefined) continue;
    const key = name.replace('KAFKA_', '').toLowerCase().replace(/_/g, '.').replace(/\.\.\./g, '-').replace(/\.\./g, '_');
    properties.set(key, value);
  }
  return properties;
}

/** The SCRAM users start-kafka.sh creates from `SCRAM_PASSWORD_<PRINCIPAL>` variables: name -> password. */
export function scramUsersOf(env: Readonly<Record<string, string | undefined>>): Map<string, string | undefined> {
  return new Map(
    Object.entries(env)
      .filter(([name]) => name.startsWith('SCRAM_PASSWORD_'))
      .map(([name, password]) => [name.slice('SCRAM_PASSWORD_'.length).toLowerCase().replace(/_/g, '-'), password]),
  );
}
