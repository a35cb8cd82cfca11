import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { HealthController, HealthProbe, type HealthCheck } from './health';

/** A response that keeps what the controller sent. */
function fakeResponse() {
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    status(code: number) {
      sent.status = code;
      return response;
    },
    json(body: unknown) {
      sent.body = body;
      return response;
    },
  };
  return { response: response as unknown as Response, sent };
}

describe('HealthController', () => {
  const secret = 'password authentication failed for user "kanshi_owner" at db.internal.example:6432';
  let failure: string | undefined;
  const checks: HealthCheck[] = [
    { name: 'postgres', check: () => (failure === undefined ? Promise.resolve() : Promise.reject(new Error(failure))) },
    { name: 'kafka', check: () => Promise.resolve() },
  ];
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    failure = undefined;
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('answers 503 naming the dependency that is down, with no error text; the reason goes to the log', async () => {
    const controller = new HealthController(new HealthProbe(checks));
    failure = secret;
    const { response, sent } = fakeResponse();

    await controller.health(response);

    expect(sent.status).toBe(503);
    expect(sent.body).toEqual({ status: 'down', checks: { postgres: { status: 'down' }, kafka: { status: 'up' } } });
    expect(JSON.stringify(sent.body)).not.toContain('kanshi_owner');
    expect(warn).toHaveBeenCalledWith(`postgres is down: ${secret}`);
  });

  it('logs a reason once while it lasts, again when it changes, and the recovery', async () => {
    const controller = new HealthController(new HealthProbe(checks));
    failure = secret;
    await controller.health(fakeResponse().response);
    await controller.health(fakeResponse().response);
    expect(warn).toHaveBeenCalledTimes(1);

    failure = 'connect ECONNREFUSED 10.0.0.7:5432';
    await controller.health(fakeResponse().response);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenLastCalledWith('postgres is down: connect ECONNREFUSED 10.0.0.7:5432');

    failure = undefined;
    const { response, sent } = fakeResponse();
    await controller.health(response);
    expect(sent).toEqual({ status: 200, body: { status: 'up', checks: { postgres: { status: 'up' }, kafka: { status: 'up' } } } });
    expect(log).toHaveBeenCalledWith('postgres is up again');
  });
});

describe('HealthController probes', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers readiness from the checks and liveness without asking any', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const asked: string[] = [];
    const controller = new HealthController(
      new HealthProbe([{ name: 'redis', check: () => (asked.push('redis'), Promise.reject(new Error('ECONNREFUSED'))) }]),
    );

    expect(controller.live()).toEqual({ status: 'up', checks: {} });
    expect(asked).toEqual([]);

    const { response, sent } = fakeResponse();
    await controller.ready(response);
    expect(sent).toEqual({ status: 503, body: { status: 'down', checks: { redis: { status: 'down' } } } });
    expect(asked).toEqual(['redis']);
  });
});
