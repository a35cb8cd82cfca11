import { firstTime, incidentOf, incidentScope, tumblingPlan } from './medical-rule-support';

describe('medical rule support', () => {
  it('remembers keys once, in a bounded list', () => {
    const seen: string[] = [];
    expect([firstTime(seen, 'a', 2), firstTime(seen, 'a', 2), firstTime(seen, 'b', 2), firstTime(seen, 'c', 2)]).toEqual([true, false, true, true]);
    expect(seen).toEqual(['b', 'c']);
  });

  it('plans a tumbling window from the window and lateness arguments in force', () => {
    expect(tumblingPlan({ window: '6h', lateness: '10m' })).toEqual({ bucket: '6h', lateness: '10m' });
  });

  it('names incidents and incident scopes', () => {
    expect(incidentOf({ incident_id: ' I-1 ', type: 'harm', awareness_time: 'soon' })).toEqual({ id: 'I-1', type: 'harm', harm: undefined, awareness: undefined });
    expect(incidentOf({ type: 'harm' })).toBeUndefined();
    expect([incidentScope('I-1'), incidentScope('I-1', 'classification'), incidentScope('x'.repeat(300)).length]).toEqual(['incident:I-1', 'incident:I-1/classification', 200]);
  });
});
