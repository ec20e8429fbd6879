import { cleanupDue, cleanupPlacements, groupVerdict, planForwardTick, probesToWatch, type ForwardTickInput, type ForwardTickPlan, type SpecProbe } from '../../core/probe-tick';
import { nextRunAt, probeKey, type ProbeState } from '../../core/probes';

/** One tick of the probes timer (core/probe-tick.ts), by situation. */
const SUB = '00000000-0000-0000-0000-00000000c001';
const subnet = (name: string, rg = 'rg-spoke') => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/${name}`;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const NOW = at(3600);
const JUMP: SpecProbe = { subnetId: subnet('jump'), every: 'PT15M' };
const OTHER: SpecProbe = { subnetId: subnet('other'), every: 'PT5M' };
const state = (p: SpecProbe, over: Partial<ProbeState> = {}): ProbeState => ({ subnetId: p.subnetId, probeKey: probeKey(p.subnetId), addedAt: at(0), consecutiveFailures: 0, ...over });
/** The section as the last tick left it (every probe listed with its next run). */
const shownFor = (probes: SpecProbe[], states: ProbeState[]) => probes.map((p) => ({ subnetId: p.subnetId, nextRunAt: nextRunAt(p.every, states.find((s) => s.subnetId === p.subnetId)!) }));
function tick(probes: SpecProbe[], states: ProbeState[], over: Partial<ForwardTickInput> = {}): ForwardTickPlan {
  return planForwardTick({ probes, states, shown: over.shown ?? shownFor(probes, states), shownConditions: false, live: new Set(), orphans: new Map(), ...over }, NOW);
}
const keys = (ps: SpecProbe[]) => ps.map((p) => p.subnetId.split('/').pop());

describe('planForwardTick: what one tick does for a forward', () => {
  it.each<[string, () => ForwardTickPlan, { start?: string[]; busy?: string[]; drop?: string[]; add?: string[]; write?: boolean; interrupted?: string[] }]>([
    ['a probe run within its `every`: nothing to do, nothing written', () => tick([JUMP], [state(JUMP, { lastRunAt: at(3000) })]), { start: [], write: false }],
    ['a probe due (one `every` after its last run): started', () => tick([JUMP], [state(JUMP, { lastRunAt: at(2000) })]), { start: ['jump'], write: false }],
    ['a probe never run, one `every` after it was added: started', () => tick([JUMP], [state(JUMP)]), { start: ['jump'] }],
    ['due while its last run still runs: skipped, not stacked', () => tick([JUMP], [state(JUMP, { lastRunAt: at(2000) })], { live: new Set([probeKey(JUMP.subnetId)]) }), { start: [], busy: ['jump'] }],
    ['a probe seen for the first time: added now, shown, not started (due one `every` from now)', () => tick([JUMP], [], { shown: [] }), { start: [], add: ['jump'], write: true }],
    ['a probe removed from the spec: its row dropped, the section rewritten', () => tick([JUMP], [state(JUMP, { lastRunAt: at(3000) }), state(OTHER)], { shown: shownFor([JUMP, OTHER], [state(JUMP, { lastRunAt: at(3000) }), state(OTHER)]) }), { drop: ['other'], write: true, start: [] }],
    ['a probe removed while its run is marked running: its row stays until the run is recorded', () => tick([JUMP], [state(JUMP, { lastRunAt: at(3000) }), state(OTHER, { running: { runId: 'r1', startedAt: at(3500) } })]), { drop: [], write: false }],
    ['no probe left but a Reachable still shown: the section rewritten', () => tick([], [], { shown: [], shownConditions: true }), { write: true }],
    ['a changed `every`: the next run shown differs, the section rewritten', () => tick([{ ...JUMP, every: 'PT30M' }], [state(JUMP, { lastRunAt: at(3000) })], { shown: shownFor([JUMP], [state(JUMP, { lastRunAt: at(3000) })]) }), { write: true, start: [] }],
    [
      'a run marked running whose orchestration is gone and whose history still reads running: recorded interrupted, not started this tick',
      () => tick([JUMP], [state(JUMP, { lastRunAt: at(2000), running: { runId: 'r1', startedAt: at(2000) } })], { orphans: new Map([['r1', 'running']]) }),
      { interrupted: ['r1'], start: [] },
    ],
    [
      'a run marked running whose history row already finished (recorded late): not interrupted; due, so started',
      () => tick([JUMP], [state(JUMP, { lastRunAt: at(2000), running: { runId: 'r1', startedAt: at(2000) } })], { orphans: new Map([['r1', 'ok']]) }),
      { interrupted: [], start: ['jump'] },
    ],
    [
      'a run marked running whose orchestration is live: not interrupted (busy when due)',
      () => tick([JUMP], [state(JUMP, { lastRunAt: at(2000), running: { runId: 'r1', startedAt: at(2000) } })], { live: new Set([probeKey(JUMP.subnetId)]), orphans: new Map([['r1', 'running']]) }),
      { interrupted: [], busy: ['jump'] },
    ],
    ['two probes, one due: only it starts', () => tick([JUMP, OTHER], [state(JUMP, { lastRunAt: at(3000) }), state(OTHER, { lastRunAt: at(3000) })]), { start: ['other'] }],
  ])('%s', (_situation, run, e) => {
    const p = run();
    if (e.start) expect(keys(p.start)).toEqual(e.start);
    if (e.busy) expect(keys(p.busy)).toEqual(e.busy);
    if (e.drop) expect(p.drop).toEqual(e.drop.map((n) => probeKey(subnet(n))));
    if (e.add) expect(p.add.map((s) => [s.probeKey, s.addedAt])).toEqual(e.add.map((n) => [probeKey(subnet(n)), NOW]));
    if (e.write !== undefined) expect(p.writeSection).toBe(e.write);
    if (e.interrupted) expect(p.interrupted.map((i) => i.runId)).toEqual(e.interrupted);
  });

  it('the probes it starts are the spec entries themselves (their ports and options go to the run)', () => {
    const probe = { ...JUMP, ports: [8000] };
    expect(planForwardTick({ probes: [probe], states: [state(JUMP)], shown: [], shownConditions: false, live: new Set(), orphans: new Map() }, NOW).start[0]).toBe(probe);
  });

  it('liveness is asked only for probes that had a state row (a probe added this tick has no run yet)', () => {
    expect(probesToWatch([JUMP, OTHER], [state(JUMP)])).toEqual([probeKey(JUMP.subnetId)]);
  });
});

describe('cleanup of leftover probe groups', () => {
  it.each<[string, string | undefined, number, boolean]>([
    ['first tick ever (nothing recorded): not yet, the first sweep is one interval later', undefined, 0, false],
    ['an interval since the last sweep: due', at(3600 - 600), 0, true],
    ['within the interval: an idle tick makes no ARM request', at(3600 - 60), 0, false],
    ['an interrupted run this tick: at once', at(3600 - 60), 1, true],
  ])('%s', (_situation, last, interrupted, due) => {
    expect(cleanupDue(last, NOW, 600, interrupted)).toBe(due);
  });

  it('one list per resource group that may hold probe groups (probes[].resourceGroup, else the subnet resource group; names compared without case, as ARM does)', () => {
    const places = cleanupPlacements([JUMP, OTHER, { subnetId: subnet('x', 'RG-SPOKE'), every: 'PT1H' }, { ...JUMP, resourceGroup: 'rg-probes' }]);
    expect(places.map((p) => p.resourceGroup.toLowerCase())).toEqual(['rg-spoke', 'rg-probes']);
  });

  it.each<[string, { outcome: string; startedAt: string } | undefined, boolean, { delete: boolean; interrupt: boolean }]>([
    ['its run goes (history running, orchestration live), young: kept', { outcome: 'running', startedAt: at(3500) }, true, { delete: false, interrupt: false }],
    ['its run finished: deleted', { outcome: 'ok', startedAt: at(3500) }, false, { delete: true, interrupt: false }],
    ['history running but the orchestration is gone: deleted, the run recorded interrupted', { outcome: 'running', startedAt: at(3500) }, false, { delete: true, interrupt: true }],
    ['its run live but older than the maximum age: deleted whatever it says', { outcome: 'running', startedAt: at(0) }, true, { delete: true, interrupt: true }],
    ['no run recorded for it: deleted', undefined, false, { delete: true, interrupt: false }],
  ])('%s', (_situation, run, live, verdict) => {
    expect(groupVerdict(run, live, NOW, 1800)).toEqual(verdict);
  });
});
