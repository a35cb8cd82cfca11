import { KanshiLogger, logEntry } from './logger';

/** Lines the logger writes to stdout and stderr while `run` runs. */
function captured(run: () => void): string[] {
  const lines: string[] = [];
  const keep = (chunk: string | Uint8Array): boolean => {
    lines.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(keep);
  try {
    run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
}

describe('KanshiLogger', () => {
  it('writes JSON lines with the ids a line is about as fields of their own', () => {
    const logger = new KanshiLogger('policy-engine', { level: 'log', json: true });
    const lines = captured(() => {
      logger.warn(logEntry('over its quota', { tenant: 'acme', rule: 'Q1' }), 'TelemetryConsumer');
      logger.log('plain', 'Other');
      logger.debug('not at this level', 'Other');
    });

    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'warn', app: 'policy-engine', context: 'TelemetryConsumer', message: 'over its quota', tenant_id: 'acme', rule_id: 'Q1' });
    expect(first).not.toHaveProperty('model_id');
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ level: 'log', message: 'plain', context: 'Other' });
  });

  it('writes readable lines with the ids at the end in text', () => {
    const logger = new KanshiLogger('alert-worker', { level: 'log', json: false });
    const [line] = captured(() => logger.error(logEntry('delivery failed', { alert: 'a-1', job: 'j-9' }), undefined, 'Notifications'));
    expect(line).toContain('delivery failed [alert=a-1 job=j-9]');
    expect(line).toContain('[Notifications]');
  });

  it('sums Nest start-up chatter up in one line, and lists it at debug', () => {
    const quiet = new KanshiLogger('api', { level: 'log', json: false });
    const lines = captured(() => {
      quiet.log('AlertsModule dependencies initialized', 'InstanceLoader');
      quiet.log('HealthModule dependencies initialized', 'InstanceLoader');
      quiet.log('AlertsController {/v1/alerts}:', 'RoutesResolver');
      quiet.log('Mapped {/v1/alerts, GET} route', 'RouterExplorer');
      quiet.log('Mapped {/v1/alerts/:id, GET} route', 'RouterExplorer');
    });
    expect(lines).toEqual([]);
    expect(quiet.startupSummary()).toBe('2 modules initialised, 2 routes mapped (KANSHI_LOG_LEVEL=debug lists them)');

    const chatty = new KanshiLogger('api', { level: 'debug', json: false });
    expect(captured(() => chatty.log('Mapped {/v1/alerts, GET} route', 'RouterExplorer'))).toHaveLength(1);
  });
});

describe('logEntry', () => {
  it('reads as its message when turned into a string', () => {
    expect(String(logEntry('delivery failed', { alert: 'a-1' }))).toBe('delivery failed');
  });
});
