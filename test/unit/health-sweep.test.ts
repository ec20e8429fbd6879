import { decideForwardSweep, needsInstanceViews, type ForwardSweepDecision, type ForwardSweepInput, type MetricsRead } from '../../core/health-sweep';
import type { MetricPoint } from '../../core/health';
import type { HealthSection, RecycleRecord } from '../../core/status';

/**
 * One health sweep's decisions for one forward (core/health-sweep.ts), by situation: the cases
 * test/integration/health.test.ts proves end to end, decided here from metric points, instance
 * views, the sections, the lease and the settings alone.
 */
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const NOW = 610;
/** Points at a 60 s grain ending at `end` seconds, oldest first. */
const series = (values: number[], end = 600): MetricPoint[] => values.map((value, i) => ({ time: at(end - (values.length - 1 - i) * 60), value }));
const GOOD = series([100, 100, 100]);
const BROKEN = series([100, 0, 0]);
const ip = (id: string) => `10.0.1.${10 + Number(id)}`;
const PLS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/plf-web-pls';
const SETTINGS = { unhealthySamples: 2, graceSeconds: 300, recycleLimitPerHour: 3, metricDelaySeconds: 10, natThresholdPercent: 80, natCooldownSeconds: 900 };

/** A forward whose nodes (id -> points) were all seen an hour ago. */
function input(points: Record<string, MetricPoint[]>, over: Partial<ForwardSweepInput> = {}): ForwardSweepInput {
  const ids = Object.keys(points);
  const health: HealthSection = { conditions: [], nodes: ids.map((id) => ({ instanceId: id, ip: ip(id), health: 'healthy', firstSeenAt: at(-3600) })) };
  return {
    name: 'web',
    generation: 2,
    phase: 'Ready',
    now: at(NOW),
    settings: SETTINGS,
    desiredCount: ids.length,
    health,
    reconcileNodes: ids.map((id) => ({ instanceId: id, ip: ip(id) })),
    lease: {},
    metrics: { ok: true, byDimension: Object.fromEntries(ids.map((id) => [ip(id), points[id]])) },
    ...over,
  };
}
const cond = (d: ForwardSweepDecision, type: string) => d.section.conditions.find((c) => c.type === type);
const reimage = (id: string, s: number): RecycleRecord => ({ instanceId: id, action: 'reimage', time: at(s), result: 'done' });
/** The section this decision keeps, as the next sweep's input (a later sweep, the same points). */
const next = (i: ForwardSweepInput, d: ForwardSweepDecision, over: Partial<ForwardSweepInput> = {}): ForwardSweepInput => ({ ...i, health: d.section, ...over });

interface Expected {
  recycle?: string;
  actions?: string[];
  nodesHealthy?: [string, string];
  targets?: [string, string];
  skipped?: boolean;
  outage?: boolean;
}

const situations: [string, ForwardSweepInput, Expected][] = [
  ['all healthy: nothing to do, NodesHealthy True', input({ 0: GOOD, 1: GOOD }), { actions: [], nodesHealthy: ['True', 'AllHealthy'], targets: ['True', 'ProbesPass'] }],
  ['transient: one node broken for 2 samples while the other is healthy: recycled', input({ 0: BROKEN, 1: GOOD }), { recycle: '0', nodesHealthy: ['False', 'Recycling'] }],
  ['flapping (bad, then good): not recycled', input({ 0: series([0, 100]), 1: GOOD }), { actions: [], nodesHealthy: ['True', 'AllHealthy'] }],
  ['one bad sample, below the threshold of 2: not recycled, NodesHealthy False', input({ 0: series([100, 100, 0]), 1: GOOD }), { nodesHealthy: ['False', 'UnhealthyNodes'] }],
  ['target outage: every node failing at once: nothing recycled, logged once', input({ 0: BROKEN, 1: BROKEN, 2: BROKEN }), { actions: ['target-outage'], outage: true, targets: ['False', 'TargetOutage'], nodesHealthy: ['False', 'TargetOutage'] }],
  ['metrics unavailable (429): skipped and said so, nothing recycled', input({ 0: BROKEN, 1: GOOD }, { metrics: { ok: false, code: 'TooManyRequests', message: 'slow down' } }), { skipped: true, actions: [], nodesHealthy: ['Unknown', 'MetricsUnavailable'] }],
  ['app settings missing: skipped and said so', input({ 0: BROKEN, 1: GOOD }, { metrics: { ok: false, skipped: 'app settings missing: PLF_HUB_LOCATION' } }), { skipped: true, actions: [], nodesHealthy: ['Unknown', 'MetricsUnavailable'] }],
  ['one at a time: two nodes broken, one recycled', input({ 0: BROKEN, 1: BROKEN, 2: GOOD }), { recycle: '0' }],
  ['one at a time: a recycle of this forward runs (its lease): the broken node waits', input({ 0: BROKEN, 1: GOOD }, { lease: { holder: 'recycle', until: at(NOW + 60) } }), { nodesHealthy: ['False', 'RecycleRunning'] }],
  ['a recycle lease that ran out (its orchestration died) holds nothing', input({ 0: BROKEN, 1: GOOD }, { lease: { holder: 'recycle', until: at(NOW - 1) } }), { recycle: '0' }],
  ['the reconcile rolls nodes (holds the scale set): not recycled', input({ 0: BROKEN, 1: GOOD }, { lease: { holder: 'reconcile', until: at(NOW + 60) } }), { nodesHealthy: ['False', 'ReconcileRolling'] }],
  ['inside the grace period after the reconcile rolled the nodes: not recycled', input({ 0: BROKEN, 1: GOOD }, { lease: { lastRolledAt: at(NOW - 60) } }), { nodesHealthy: ['False', 'GracePeriod'] }],
  [
    'recycled 3 times in the last hour: suspended, RecycleSuspended True, logged once',
    input({ 0: BROKEN, 1: GOOD }, { recycle: { history: [reimage('0', -2500), reimage('0', -2000), reimage('0', -1000)] } }),
    { actions: ['recycle-suspended'], nodesHealthy: ['False', 'Suspended'] },
  ],
  [
    'recycled 3 times, the first more than an hour ago: 2 in the hour, recycled again',
    input({ 0: BROKEN, 1: GOOD }, { recycle: { history: [reimage('0', -3000), reimage('0', -2000), reimage('0', -1000)] } }),
    { recycle: '0', actions: [] },
  ],
  [
    'recycled 3 times, but an operator resumed recycling after them: recycled again',
    input({ 0: BROKEN, 1: GOOD }, { recycle: { history: [reimage('0', -2500), reimage('0', -2000), reimage('0', -1000)] }, recycleResumedAt: at(-500) }),
    { recycle: '0' },
  ],
  ['single node failing its probe, no node-level evidence: not recycled, TargetsReachable Unknown', input({ 0: BROKEN }), { actions: [], nodesHealthy: ['False', 'SingleNodeNoEvidence'], targets: ['Unknown', 'SingleNode'] }],
  ['single node hung (VM agent not ready in its instance view): recycled', input({ 0: BROKEN }, { instances: [{ instanceId: '0', ip: ip('0'), powerState: 'running', agentReady: false }] }), { recycle: '0' }],
  ['a new forward without a published point yet: Unknown NoMetricsYet, not a failure', input({ 0: [], 1: [] }), { actions: [], nodesHealthy: ['Unknown', 'NoMetricsYet'], targets: ['Unknown', 'NoMetricsYet'] }],
  [
    'after a replace, the new instance with the replaced node IP is judged on its own points only',
    input({ 1: GOOD }, {
      health: { conditions: [], nodes: [{ instanceId: '1', ip: ip('1'), health: 'healthy', firstSeenAt: at(-3600) }] },
      desiredCount: 2,
      recycle: { history: [{ instanceId: '0', action: 'replace', time: at(500), result: 'done' }] },
      instances: [{ instanceId: '1', ip: ip('1') }, { instanceId: '5', ip: ip('0') }],
      metrics: { ok: true, byDimension: { [ip('1')]: GOOD, [ip('0')]: BROKEN } },
    }),
    { actions: [], nodesHealthy: ['Unknown', 'NoMetricsYet'] },
  ],
];

describe('decideForwardSweep: one sweep of one forward', () => {
  it.each(situations)('%s', (_situation, i, e) => {
    const d = decideForwardSweep(i);
    expect(d.recycle?.instanceId).toBe(e.recycle);
    if (e.actions) expect(d.actions.map((a) => a.action)).toEqual(e.actions);
    if (e.nodesHealthy) expect([cond(d, 'NodesHealthy')?.status, cond(d, 'NodesHealthy')?.reason]).toEqual(e.nodesHealthy);
    if (e.targets) expect([cond(d, 'TargetsReachable')?.status, cond(d, 'TargetsReachable')?.reason]).toEqual(e.targets);
    expect(!!d.skipped).toBe(!!e.skipped);
    expect(d.outage).toBe(!!e.outage);
    // Every condition the sweep keeps carries the generation it saw.
    for (const c of d.section.conditions) expect(c.observedGeneration).toBe(2);
    expect(d.section.lastSweepAt).toBe(at(NOW));
  });
});

describe('decideForwardSweep: across sweeps', () => {
  it('the same points a sweep later: nothing new to write or log (an idle sweep writes nothing)', () => {
    const i = input({ 0: GOOD, 1: GOOD });
    const first = decideForwardSweep(i);
    const second = decideForwardSweep(next(i, first, { now: at(NOW + 30) }));
    expect([first.write, second.write, second.actions]).toEqual([true, false, []]);
  });

  it('a target outage is logged once; when probes pass again its end is logged once', () => {
    const i = input({ 0: BROKEN, 1: BROKEN });
    const first = decideForwardSweep(i);
    const again = decideForwardSweep(next(i, first, { now: at(NOW + 60) }));
    const back = decideForwardSweep(next(i, again, { now: at(NOW + 120), metrics: { ok: true, byDimension: { [ip('0')]: series([0, 100], 660), [ip('1')]: series([0, 100], 660) } } }));
    expect([first, again, back].map((d) => d.actions.map((a) => a.action))).toEqual([['target-outage'], [], ['target-outage-cleared']]);
    expect(cond(back, 'TargetsReachable')).toMatchObject({ status: 'True', reason: 'ProbesPass' });
  });

  it('a suspension is logged once, holds on the next sweep, and ends with a new generation', () => {
    const i = input({ 0: BROKEN, 1: GOOD }, { recycle: { history: [reimage('0', -2500), reimage('0', -2000), reimage('0', -1000)] } });
    const first = decideForwardSweep(i);
    const again = decideForwardSweep(next(i, first, { now: at(NOW + 60) }));
    expect([first.actions.length, again.actions.length, again.recycle]).toEqual([1, 0, undefined]);
    expect(cond(again, 'RecycleSuspended')).toMatchObject({ status: 'True', reason: 'TooManyRecycles' });
    const newSpec = decideForwardSweep(next(i, again, { generation: 3, recycle: { history: [] } }));
    expect([cond(newSpec, 'RecycleSuspended')?.status, newSpec.recycle?.instanceId, newSpec.section.suspended]).toEqual(['False', '0', undefined]);
  });

  it('nodes healthy again under a phase the reconcile recorded Degraded: the reconcile re-observes, once', () => {
    const broken = decideForwardSweep(input({ 0: BROKEN, 1: GOOD }, { phase: 'Degraded' }));
    const i = input({ 0: GOOD, 1: GOOD }, { phase: 'Degraded', health: broken.section });
    const healed = decideForwardSweep(i);
    expect([broken.reobserve, healed.reobserve, decideForwardSweep(next(i, healed)).reobserve]).toEqual([false, true, false]);
  });
});

describe('decideForwardSweep: NAT ports of the private link service', () => {
  const nat = (pct: number, ips = 1, end = 600): MetricsRead => ({ ok: true, byDimension: Object.fromEntries(Array.from({ length: ips }, (_x, k) => [`10.0.2.${k + 4}`, series([pct, pct], end)])) });
  it.each<[string, Partial<ForwardSweepInput>, { raise?: number; reason: string; actions: string[] }]>([
    ['below the threshold: True, nothing added', { nat: nat(40) }, { reason: 'BelowThreshold', actions: [] }],
    ['above the threshold: one NAT IP added (recorded, the reconcile applies it)', { nat: nat(95) }, { raise: 2, reason: 'NatIpAdded', actions: ['nat-ip-added'] }],
    ['above the threshold inside the cooldown after the last addition: waits', { nat: nat(95, 2), natIps: { count: 2, lastRaisedAt: at(NOW - 60) } }, { reason: 'Cooldown', actions: [] }],
    ['above the threshold with 8 NAT IPs, Azure maximum: a condition, no write', { nat: nat(95, 8), natIps: { count: 8 } }, { reason: 'MaxNatIps', actions: [] }],
    ['the NAT IP just added is not in the published usage yet: waits', { nat: nat(95, 1), natIps: { count: 2, lastRaisedAt: at(-3600) } }, { reason: 'NatIpPending', actions: [] }],
    ['usage unavailable: Unknown, nothing decided', { nat: { ok: false, code: 'InternalServerError', message: 'x' } }, { reason: 'MetricsUnavailable', actions: [] }],
  ])('%s', (_situation, over, e) => {
    const d = decideForwardSweep(input({ 0: GOOD, 1: GOOD }, { privateLinkServiceId: PLS, ...over }));
    expect(d.natRaise?.count).toBe(e.raise);
    expect(cond(d, 'NatPortsAvailable')?.reason).toBe(e.reason);
    expect(d.actions.map((a) => a.action)).toEqual(e.actions);
    if (e.raise) expect(d.actions[0]).toMatchObject({ target: PLS, reason: expect.stringMatching(/NAT port usage 95% above 80%: NAT IPs 1 -> 2/) });
  });
});

describe('needsInstanceViews: one ARM read only for a suspect forward', () => {
  const ask = (i: ForwardSweepInput) => needsInstanceViews({ ...i, byDimension: (i.metrics as { byDimension: Record<string, MetricPoint[]> }).byDimension });
  it.each<[string, ForwardSweepInput, boolean]>([
    ['every node healthy by its last published point: no read', input({ 0: GOOD, 1: GOOD }), false],
    ['a node with a bad last point', input({ 0: series([100, 0]), 1: GOOD }), true],
    ['a node without any point (unknown)', input({ 0: [], 1: GOOD }), true],
    ['an IP in the metrics that no known node has', { ...input({ 0: GOOD, 1: GOOD }), metrics: { ok: true, byDimension: { [ip('0')]: GOOD, [ip('1')]: GOOD, '10.0.1.99': GOOD } } }, true],
    ['fewer nodes known than the spec asks for', input({ 0: GOOD, 1: GOOD }, { desiredCount: 3 }), true],
    ['a node replaced since (its IP may be reused)', input({ 0: GOOD, 1: GOOD }, { recycle: { history: [{ instanceId: '0', action: 'replace', time: at(0), result: 'done' }] } }), true],
    ['a recycle running', input({ 0: GOOD, 1: GOOD }, { recycle: { history: [], running: { instanceId: '0', action: 'reimage', since: at(0) } } }), true],
  ])('%s', (_situation, i, expected) => {
    expect(ask(i)).toBe(expected);
  });
});
