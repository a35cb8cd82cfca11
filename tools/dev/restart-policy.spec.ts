import { DEFAULT_RESTART_POLICY, INITIAL_RESTART_STATE, planRestart, type RestartState } from './restart-policy';

/** A fake clock driving an app that starts, runs for the given times and exits, restarted as planned. */
function simulate(uptimesMs: readonly number[]): number[] {
  let now = 1_000_000;
  let state: RestartState = INITIAL_RESTART_STATE;
  const delays: number[] = [];
  for (const uptime of uptimesMs) {
    const startedAt = now;
    now += uptime;
    const decision = planRestart(state, startedAt, now);
    delays.push(decision.delayMs);
    state = decision.state;
    now += decision.delayMs;
  }
  return delays;
}

describe('planRestart', () => {
  it('waits 1 s after a first exit, doubling on each quick exit up to 30 s', () => {
    expect(simulate([200, 200, 200, 200, 200, 200, 200, 200])).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts over at 1 s once the app has run for a minute', () => {
    expect(simulate([500, 500, 500, 60_000, 500, 59_999, 500])).toEqual([1000, 2000, 4000, 1000, 2000, 4000, 8000]);
  });

  it('reports the uptime and never waits less than the first delay, even for a clock that went back', () => {
    expect(planRestart(INITIAL_RESTART_STATE, 5000, 7500)).toEqual({ delayMs: 1000, uptimeMs: 2500, state: { quickExits: 1 } });
    expect(planRestart({ quickExits: 3 }, 5000, 4000).delayMs).toBe(8000);
  });

  it('stays at the cap however many exits came before', () => {
    expect(planRestart({ quickExits: 5000 }, 0, 10).delayMs).toBe(DEFAULT_RESTART_POLICY.maxDelayMs);
  });

  it('follows another policy', () => {
    const policy = { firstDelayMs: 50, maxDelayMs: 120, resetAfterMs: 1000 };
    expect(planRestart({ quickExits: 0 }, 0, 10, policy).delayMs).toBe(50);
    expect(planRestart({ quickExits: 1 }, 0, 10, policy).delayMs).toBe(100);
    expect(planRestart({ quickExits: 2 }, 0, 10, policy).delayMs).toBe(120);
    expect(planRestart({ quickExits: 2 }, 0, 1000, policy).delayMs).toBe(50);
  });
});
