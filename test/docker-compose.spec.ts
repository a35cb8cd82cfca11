import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, loadConfig, PUBLIC_DEFAULT_MARKER } from '@kanshi/config';
import { TOPICS } from '@kanshi/contracts';
import { KAFKA_PRINCIPALS, kanshiAclPlan } from '@kanshi/messaging';
import {
  bindMountsOf,
  commandOf,
  dependencies,
  environmentOf,
  imageServerProperties,
  interpolatedVariables,
  kanshiServices,
  loadCompose,
  portsOf,
  REPO_ROOT,
  scramUsersOf,
  service,
} from './compose-file';

// docker-compose.yml is checked against the code: a renamed variable, a moved entry point, a
// lost port or a principal the ACL plan does not know fails here, not on someone's
// `docker compose up`. test/e2e/compose-kafka.e2e-spec.ts runs its Kafka settings for real.

const ROOT = REPO_ROOT;
const APPS = ['api', 'ingest-gateway', 'policy-engine', 'alert-worker'] as const;
const REQUIRED = ['kafka', 'postgres', 'redis', 'migrate', ...APPS] as const;
/** The services that use Kafka, and the principal each must sign in as. */
const KAFKA_USERS = { 'policy-engine': KAFKA_PRINCIPALS.engine, 'ingest-gateway': KAFKA_PRINCIPALS.gateway, migrate: 'kanshi-admin' } as const;

const KNOWN_NAMES = new Set<string>(Object.values(CONFIG_VARIABLES).map((v) => v.name));

describe('docker-compose.yml', () => {
  // As `docker compose up` sees it with no .env: every variable at its default.
  const compose = loadCompose({});

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
      expect(() => loadConfig(env)).not.toThrow();
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
    expect(commandOf(service(compose, 'migrate'))).toEqual(['node', 'dist/infra/scripts/infra.js', 'migrate']);
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

  it('hands every Kanshi service the same secrets key, from the environment, and writes none in the file', () => {
    const key = randomBytes(32).toString('base64');
    for (const [name, svc] of kanshiServices(loadCompose({ KANSHI_SECRETS_KEY: key }))) {
      expect({ service: name, key: loadConfig(environmentOf(svc)).values.secretsKey }).toEqual({ service: name, key });
    }
    for (const [name, svc] of kanshiServices(compose)) {
      // Unset: the public development key stands in, which NODE_ENV=development accepts and production refuses.
      const env = environmentOf(svc);
      expect({ service: name, key: loadConfig(env).values.secretsKey, nodeEnv: env['NODE_ENV'] }).toEqual({ service: name, key: undefined, nodeEnv: 'development' });
      expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(/KANSHI_SECRETS_KEY is not set/);
    }
  });

  it('lists in .env.example every variable it reads from the environment, with no value filled in', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const entries = example
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
    expect(new Set(entries.map(([name]) => name))).toEqual(interpolatedVariables());
    for (const [name, value] of entries) expect({ name, value }).toEqual({ name, value: '' });
  });

  describe('Kafka, secured as infra/kafka/kafka.sh runs it', () => {
    const kafka = service(compose, 'kafka');
    const kafkaEnv = environmentOf(kafka);
    // What the apache/kafka image writes into server.properties.
    const properties = imageServerProperties(kafkaEnv);
    const list = (key: string, separator: string) => (properties.get(key) ?? '').split(separator).filter(Boolean);
    const superUsers = list('super.users', ';').map((user) => user.replace(/^User:/, ''));
    const migrate = loadConfig(environmentOf(service(compose, 'migrate'))).values;
    const plan = kanshiAclPlan(migrate.engineGroupId);

    it('authenticates on every listener (SCRAM-SHA-512 for clients, the controller on loopback) and allows nothing without an ACL', () => {
      const protocols = new Map(list('listener.security.protocol.map', ',').map((entry) => entry.split(':') as [string, string]));
      const listeners = list('listeners', ',').map((listener) => {
        const [name = '', address = ''] = listener.split('://');
        return { name, address, protocol: protocols.get(name) };
      });
      for (const listener of listeners) expect(listener).toMatchObject({ protocol: 'SASL_PLAINTEXT' });
      expect(listeners.find((l) => l.name === properties.get('controller.listener.names'))?.address).toMatch(/^127\.0\.0\.1:/);
      expect(properties.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
      expect(properties.get('sasl.mechanism.inter.broker.protocol')).toBe('SCRAM-SHA-512');
      expect(properties.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
      expect(properties.get('allow.everyone.if.no.acl.found')).toBe('false');
      expect([...superUsers].sort()).toEqual(['kanshi-admin', 'kanshi-broker', 'kanshi-controller']);
      // The image demands keystores as soon as an advertised listener is named …SSL://.
      expect(properties.get('advertised.listeners')).not.toMatch(/SSL:\/\//);
    });

    it('starts through deploy/kafka/start-kafka.sh, mounted into the container, with the JAAS file it writes', () => {
      const mounts = bindMountsOf(kafka);
      const script = commandOf(kafka).find((arg) => mounts.has(arg));
      expect(script).toBeDefined();
      expect(mounts.get(script ?? '')).toBe(join(ROOT, 'deploy', 'kafka', 'start-kafka.sh'));
      expect(existsSync(mounts.get(script ?? '') ?? '')).toBe(true);
      expect(kafkaEnv['KAFKA_OPTS']).toMatch(/-Djava\.security\.auth\.login\.config=\S+/);
    });

    it('gives every principal of the ACL plan a SCRAM user, and the broker and the admin theirs', () => {
      const users = [...scramUsersOf(kafkaEnv).keys()];
      expect(users).toEqual(expect.arrayContaining([...new Set(plan.map((grant) => grant.principal)), 'kanshi-admin', 'kanshi-broker']));
      expect(kafkaEnv['CONTROLLER_PASSWORD']).toBeTruthy();
    });

    it('checks its health as an authenticated client', () => {
      const test = [kafka.healthcheck?.test ?? []].flat().join(' ');
      expect(test).toContain('--command-config "$ADMIN_CLIENT_CONFIG"');
      expect(kafkaEnv['ADMIN_CLIENT_CONFIG']).toMatch(/^\//);
    });

    it('signs each Kanshi service that uses Kafka in as its own principal, which the ACL plan (or super.users) lets do its work', () => {
      const users = scramUsersOf(kafkaEnv);
      const grants = (principal: string, resource: 'topic' | 'group', name: string, operation: 'read' | 'write') =>
        plan.some(
          (g) =>
            g.principal === principal &&
            g.resource === resource &&
            (g.pattern === 'prefixed' ? name.startsWith(g.name) : name === g.name) &&
            g.operations.includes(operation),
        );
      for (const [name, principal] of Object.entries(KAFKA_USERS)) {
        const values = loadConfig(environmentOf(service(compose, name))).values;
        expect({ service: name, mechanism: values.kafkaSaslMechanism, user: values.kafkaSaslUsername }).toEqual({
          service: name,
          mechanism: 'scram-sha-512',
          user: principal,
        });
        expect({ service: name, password: values.kafkaSaslPassword }).toEqual({ service: name, password: users.get(principal) });
      }
      const engine = loadConfig(environmentOf(service(compose, 'policy-engine'))).values;
      expect(grants(KAFKA_PRINCIPALS.engine, 'topic', TOPICS.telemetry, 'read')).toBe(true);
      expect(grants(KAFKA_PRINCIPALS.engine, 'topic', TOPICS.telemetryDeadLetter, 'write')).toBe(true);
      // The group migrate grants is the group the engine joins.
      expect(grants(KAFKA_PRINCIPALS.engine, 'group', engine.engineGroupId, 'read')).toBe(true);
      expect(grants(KAFKA_PRINCIPALS.gateway, 'topic', TOPICS.telemetry, 'write')).toBe(true);
      expect(superUsers).toContain(migrate.kafkaSaslUsername); // so `infra.js up` may write the ACLs
    });

    it('gives no Kafka principal to a service that does not use Kafka', () => {
      for (const name of ['api', 'alert-worker', 'seed-demo']) {
        const kafkaVariables = Object.keys(environmentOf(service(compose, name))).filter((key) => key.startsWith('KANSHI_KAFKA_SASL_'));
        expect({ service: name, kafkaVariables }).toEqual({ service: name, kafkaVariables: [] });
      }
    });

    it('takes every password from the environment, each its own, with public defaults that production refuses', () => {
      const variables = [...interpolatedVariables()].filter((name) => /^KAFKA_[A-Z]+_PASSWORD$/.test(name));
      const chosen = Object.fromEntries(variables.map((name) => [name, `${name.toLowerCase().replace(/_/g, '-')}-${randomBytes(6).toString('hex')}`]));
      const custom = loadCompose(chosen);
      const customKafka = environmentOf(service(custom, 'kafka'));
      const brokerSide = [...scramUsersOf(customKafka).values(), customKafka['CONTROLLER_PASSWORD']];
      expect(new Set(brokerSide)).toEqual(new Set(Object.values(chosen)));
      expect(brokerSide).toHaveLength(variables.length);
      for (const name of Object.keys(KAFKA_USERS)) {
        expect(Object.values(chosen)).toContain(loadConfig(environmentOf(service(custom, name))).values.kafkaSaslPassword);
      }
      for (const password of [...scramUsersOf(kafkaEnv).values(), kafkaEnv['CONTROLLER_PASSWORD']]) expect(password).toContain(PUBLIC_DEFAULT_MARKER);
      const productionKey = { NODE_ENV: 'production', KANSHI_SECRETS_KEY: randomBytes(32).toString('base64') };
      for (const name of Object.keys(KAFKA_USERS)) {
        expect(() => loadConfig({ ...environmentOf(service(compose, name)), ...productionKey })).toThrow(/KANSHI_KAFKA_SASL_PASSWORD is a public default/);
        expect(() => loadConfig({ ...environmentOf(service(custom, name)), ...productionKey })).not.toThrow();
      }
    });
  });
});
