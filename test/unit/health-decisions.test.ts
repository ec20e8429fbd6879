import { healthSettings, metricsEndpointFor } from '../../core/app-settings';
import { decideForwardHealth, decideNatPorts, natUsage, nodeVerdict, publishedBefore, suspensionInForce, type ForwardHealthInput, type MetricPoint, type NatInput, type NodeInput } from '../../core/health';
import { buildPrivateLinkService } from '../../azure/private-link-service/spec';
import { parseForwardSpec } from '../../core/forward-spec';
import { planBatches } from '../../azure/metrics/batch';

/** Unit tables for the health watch's decisions (core/health.ts), named after the situation. */
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
/** Points at a 60 s grain ending at `end` seconds: values oldest first. */
const series = (values: number[], end = 600): MetricPoint[] => values.map((value, i) => ({ time: at(end - (values.length - 1 - i) * 60), value }));
const GOOD = series([100, 100, 100]);
const BROKEN = series([100, 0, 0]);
const node = (instanceId: string, points: MetricPoint[], extra: Partial<NodeInput> = {}): NodeInput => ({ instanceId, ip: `10.0.1.${10 + Number(instanceId)}`, points, firstSeenAt: at(-3600), ...extra });
const base = (nodes: NodeInput[], extra: Partial<ForwardHealthInput> = {}): ForwardHealthInput => ({
  now: at(610),
  settings: { unhealthySamples: 2, graceSeconds: 300, recycleLimitPerHour: 3, metricDelaySeconds: 10 },
  desiredCount: nodes.length,
  nodes,
  reconcileHoldsScaleSet: false,
  recycleRunning: false,
  history: [],
  ...extra,
});

describe('nodeVerdict: hysteresis counts distinct metric points', () => {
  it.each([
    ['no points at all (metrics missing) is unknown, never broken', [], 'unknown', 0],
    ['points without values are unknown', [{ time: at(0) }, { time: at(60) }], 'unknown', 0],
    ['all good', GOOD, 'healthy', 0],
    ['one bad point after good ones', series([100, 100, 0]), 'unhealthy', 1],
    ['two bad points in a row', BROKEN, 'unhealthy', 2],
    ['a bad point then a good one (flapping) is healthy', series([100, 0, 100]), 'healthy', 0],
    ['the same point read twice counts once', [...series([100, 0]), ...series([0], 600)], 'unhealthy', 1],
    ['a point at 50 (one of two ports) is not bad', series([50, 50]), 'healthy', 0],
  ] as [string, MetricPoint[], string, number][])('%s', (_name, points, health, streak) => {
    const v = nodeVerdict(points);
    expect(v.health).toBe(health);
    expect(v.badStreak).toBe(streak);
  });

  // Azure publishes a minute's point minutes after it closed; the trailing points of a read are
  // empty or partial (AZURE-RULES.md MON-1, MON-2). `until`: the last timestamp published in full.
  const gap = (t: number): MetricPoint => ({ time: at(t) });
  it.each([
    ['trailing points without values (not yet published) are skipped: the last point with a value decides', [...BROKEN, gap(660), gap(720)], undefined, 'unhealthy', 2],
    ['trailing empty points after good ones: still healthy', [...GOOD, gap(660), gap(720)], undefined, 'healthy', 0],
    ['a gap between two bad points does not reset the streak (the node was not seen healthy in between) and does not count', [...series([100, 0], 480), gap(540), ...series([0], 600)], undefined, 'unhealthy', 2],
    ['a gap between a bad and a good point: healthy', [...series([0], 480), gap(540), ...series([100], 600)], undefined, 'healthy', 0],
    ['a trailing point with a value but not yet published in full (partial minute) is not read: a good reading does not clear two bad points', [...BROKEN, { time: at(660), value: 100 }], at(600), 'unhealthy', 2],
    ['a partial bad reading after good ones is not read either', [...GOOD, { time: at(660), value: 0 }], at(600), 'healthy', 0],
    ['only unpublished points (a node that just joined): unknown, not broken', series([0, 0], 720), at(600), 'unknown', 0],
  ] as [string, MetricPoint[], string | undefined, string, number][])('%s', (_name, points, until, health, streak) => {
    const v = nodeVerdict(points, undefined, until);
    expect(v.health).toBe(health);
    expect(v.badStreak).toBe(streak);
  });

  it('publishedBefore: the timestamp `delay` seconds before now', () => {
    expect(publishedBefore(at(850), 240)).toBe(at(610));
  });

  it('points before the last recycle are not counted', () => {
    expect(nodeVerdict(BROKEN, at(590)).badStreak).toBe(1);
    expect(nodeVerdict(BROKEN, at(601)).health).toBe('unknown');
  });
});

describe('decideForwardHealth', () => {
  const cases: [string, ForwardHealthInput, { recycle?: string; hold?: string; outage?: boolean; suspend?: string }][] = [
    ['all nodes healthy: nothing to do', base([node('0', GOOD), node('1', GOOD)]), {}],
    ['one node broken for 2 samples while the other is healthy: recycled', base([node('0', BROKEN), node('1', GOOD)]), { recycle: '0' }],
    ['one node bad for a single sample (below the threshold of 2): not recycled', base([node('0', series([100, 100, 0])), node('1', GOOD)]), {}],
    ['flapping node (bad, then good): not recycled', base([node('0', series([0, 100])), node('1', GOOD)]), {}],
    ['every node failing together: target outage, nothing recycled', base([node('0', BROKEN), node('1', BROKEN), node('2', BROKEN)]), { outage: true, hold: 'target-outage' }],
    ['single node failing its probe, no node-level evidence: not recycled', base([node('0', BROKEN)]), { hold: 'single-node-no-evidence' }],
    ['single node whose VM agent is not ready (hung): recycled', base([node('0', BROKEN, { evidence: { agentReady: false, powerState: 'running' } })]), { recycle: '0' }],
    ['single node stopped: recycled', base([node('0', [], { evidence: { powerState: 'stopped' } })]), { recycle: '0' }],
    ['broken node inside its grace period after create: not recycled', base([node('0', BROKEN, { firstSeenAt: at(500) }), node('1', GOOD)]), { hold: 'grace-period' }],
    ['grace period 0 accepted: a new broken node is recycled', base([node('0', BROKEN, { firstSeenAt: at(600) }), node('1', GOOD)], { settings: { unhealthySamples: 2, graceSeconds: 0, recycleLimitPerHour: 3, metricDelaySeconds: 10 } }), { recycle: '0' }],
    ['a replacement holding the replaced node\'s IP, its bad points from before it joined: judged on its own points only, not recycled', base([node('0', BROKEN, { pointsSince: at(600) }), node('1', GOOD)], { settings: { unhealthySamples: 2, graceSeconds: 0, recycleLimitPerHour: 3, metricDelaySeconds: 10 } }), {}],
    ['broken node right after the reconcile rolled nodes: not recycled (grace)', base([node('0', BROKEN), node('1', GOOD)], { lastRolledAt: at(550) }), { hold: 'grace-period' }],
    ['another recycle of the forward runs: not recycled', base([node('0', BROKEN), node('1', GOOD)], { recycleRunning: true }), { hold: 'recycle-running' }],
    ['the reconcile is rolling nodes: not recycled', base([node('0', BROKEN), node('1', GOOD)], { reconcileHoldsScaleSet: true }), { hold: 'reconcile-rolling' }],
    ['two nodes broken of three: one recycled now, the other later', base([node('0', BROKEN), node('1', BROKEN), node('2', GOOD)]), { recycle: '0' }],
    ['one node already missing (count 3, 2 left): recycling would leave too few in service', base([node('0', BROKEN), node('1', GOOD)], { desiredCount: 3 }), { hold: 'min-in-service' }],
    [
      'node recycled 3 times in the last hour: suspended, no fourth action',
      base([node('0', BROKEN), node('1', GOOD)], { history: [1, 2, 3].map((i) => ({ instanceId: '0', action: 'reimage', time: at(i * 60), result: 'started' })) }),
      { hold: 'suspended', suspend: '0' },
    ],
    [
      'recycles older than an hour do not count',
      base([node('0', BROKEN), node('1', GOOD)], { now: at(5000), history: [1, 2, 3].map((i) => ({ instanceId: '0', action: 'reimage', time: at(i * 60), result: 'started' })) }),
      { recycle: '0' },
    ],
    ['a suspended node stays suspended', base([node('0', BROKEN), node('1', GOOD)], { suspended: { instanceId: '0' } }), { hold: 'suspended' }],
    ['metrics missing for every node: nothing is broken', base([node('0', []), node('1', [])]), {}],
    // Real Azure timing: a 60 s grain, points published 240 s after their timestamp.
    ['a node whose only points are not published yet (it just joined): unknown, nothing recycled or held', base([node('0', series([0, 0], 840)), node('1', GOOD)], { now: at(850), settings: { unhealthySamples: 2, graceSeconds: 0, recycleLimitPerHour: 3, metricDelaySeconds: 240 } }), {}],
    ['a node failing only in the minutes not yet published: not recycled yet', base([node('0', [...GOOD, ...series([0, 0], 720)]), node('1', GOOD)], { now: at(850), settings: { unhealthySamples: 2, graceSeconds: 0, recycleLimitPerHour: 3, metricDelaySeconds: 240 } }), {}],
    ['the same node once those minutes are published: recycled', base([node('0', [...GOOD, ...series([0, 0], 720)]), node('1', series([100, 100, 100, 100, 100], 720))], { now: at(960), settings: { unhealthySamples: 2, graceSeconds: 0, recycleLimitPerHour: 3, metricDelaySeconds: 240 } }), { recycle: '0' }],
    [
      'grace 300 s over, but the points of its grace period arrive 240 s late: still held (a booting node\'s bad points are not counted when they arrive)',
      base([node('0', BROKEN, { firstSeenAt: at(400) }), node('1', GOOD)], { now: at(850), settings: { unhealthySamples: 2, graceSeconds: 300, recycleLimitPerHour: 3, metricDelaySeconds: 240 } }),
      { hold: 'grace-period' },
    ],
    [
      'grace plus the metric delay over: recycled',
      base([node('0', series([100, 0, 0, 0, 0], 720), { firstSeenAt: at(400) }), node('1', series([100, 100, 100, 100, 100], 720))], { now: at(960), settings: { unhealthySamples: 2, graceSeconds: 300, recycleLimitPerHour: 3, metricDelaySeconds: 240 } }),
      { recycle: '0' },
    ],
    ['two bad points, then trailing points without values: recycled (a gap is not a recovery)', base([node('0', [...BROKEN, { time: at(660) }, { time: at(720) }]), node('1', GOOD)]), { recycle: '0' }],
    ['every node with only unpublished points: no outage, nothing recycled', base([node('0', series([0, 0], 840)), node('1', series([0, 0], 840))], { now: at(850), settings: { unhealthySamples: 2, graceSeconds: 0, recycleLimitPerHour: 3, metricDelaySeconds: 240 } }), {}],
  ];
  it.each(cases)('%s', (_name, input, want) => {
    const d = decideForwardHealth(input);
    expect(d.recycle?.instanceId).toBe(want.recycle);
    expect(d.outage).toBe(want.outage ?? false);
    if (want.hold) expect(d.holds.map((h) => h.hold)).toContain(want.hold);
    else if (!want.recycle) expect(d.holds).toEqual([]);
    expect(d.suspend?.instanceId).toBe(want.suspend);
  });
});

describe('suspensionInForce: what the sweep honours and the resume route lifts', () => {
  const recorded = { instanceId: '0', generation: 3, since: at(600) };
  it.each([
    ['nothing recorded: nothing in force', undefined, 3, undefined, false],
    ['recorded at this generation, never resumed: in force', recorded, 3, undefined, true],
    ['recorded, resumed before it began (an older resume): in force', recorded, 3, at(300), true],
    ['recorded, resumed at the very moment it began: in force (the resume must come after)', recorded, 3, at(600), true],
    ['recorded, resumed after it began: lifted', recorded, 3, at(601), false],
    ['recorded at an older generation (the spec changed since): lifted', recorded, 4, undefined, false],
  ] as [string, typeof recorded | undefined, number, string | undefined, boolean][])('%s', (_name, suspended, generation, resumedAt, inForce) => {
    expect(suspensionInForce(suspended, generation, resumedAt)).toBe(inForce ? suspended : undefined);
  });
});

describe('health settings', () => {
  it.each([
    ['defaults', {}, { schedule: '0 * * * * *', unhealthySamples: 2, graceSeconds: 300, recycleLimitPerHour: 3, natThresholdPercent: 80, natCooldownSeconds: 900, metricDelaySeconds: 240 }],
    ['a local metric delay (the emulator\'s grain + publication delay)', { PLF_HEALTH_METRIC_DELAY_SECONDS: '15' }, { metricDelaySeconds: 15 }],
    ['a metric delay of 0 (would read partial minutes) falls back to the default', { PLF_HEALTH_METRIC_DELAY_SECONDS: '0' }, { metricDelaySeconds: 240 }],
    ['a 5-second schedule and a zero grace period are accepted', { PLF_HEALTH_SCHEDULE: '*/5 * * * * *', PLF_HEALTH_GRACE_SECONDS: '0' }, { schedule: '*/5 * * * * *', graceSeconds: 0 }],
    ['nonsense falls back to the defaults', { PLF_HEALTH_SCHEDULE: 'often', PLF_HEALTH_GRACE_SECONDS: '-1', PLF_HEALTH_UNHEALTHY_SAMPLES: '0' }, { schedule: '0 * * * * *', graceSeconds: 300, unhealthySamples: 2 }],
  ] as [string, Record<string, string>, object][])('%s', (_name, env, want) => {
    expect(healthSettings(env)).toMatchObject(want);
  });

  it('the metrics endpoint is derived from the region unless overridden', () => {
    expect(metricsEndpointFor({}, 'westeurope')).toBe('https://westeurope.metrics.monitor.azure.com');
    expect(metricsEndpointFor(healthSettings({ PLF_METRICS_ENDPOINT: 'https://127.0.0.1:8443/' }), 'westeurope')).toBe('https://127.0.0.1:8443');
  });
});

describe('metrics batches', () => {
  const lb = (sub: string, i: number) => `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb-${i}`;
  it('120 load balancers of one subscription and region: 3 calls of at most 50', () => {
    const b = planBatches(Array.from({ length: 120 }, (_, i) => ({ resourceId: lb('a', i), region: 'westeurope' })));
    expect(b.map((x) => x.ids.length)).toEqual([50, 50, 20]);
  });
  it('two subscriptions and two regions never share a call', () => {
    const b = planBatches([
      { resourceId: lb('a', 1), region: 'westeurope' },
      { resourceId: lb('b', 2), region: 'westeurope' },
      { resourceId: lb('a', 3), region: 'northeurope' },
      { resourceId: lb('a', 4), region: 'WestEurope' },
    ]);
    expect(b.map((x) => [x.subscriptionId, x.region, x.ids.length])).toEqual([['a', 'westeurope', 2], ['b', 'westeurope', 1], ['a', 'northeurope', 1]]);
  });
});

describe('decideNatPorts', () => {
  const nat = (extra: Partial<NatInput>): NatInput => ({ usagePercent: 50, count: 1, now: at(1000), thresholdPercent: 80, cooldownSeconds: 900, ...extra });
  it.each([
    ['usage below the threshold: nothing', nat({}), { action: 'none' }],
    ['usage exactly at the threshold: nothing', nat({ usagePercent: 80 }), { action: 'none' }],
    ['no usage data: nothing decided', nat({ usagePercent: undefined }), { action: 'unknown' }],
    ['usage above the threshold with 1 NAT IP: one more (2)', nat({ usagePercent: 95 }), { action: 'raise', count: 2 }],
    ['above the threshold again inside the cooldown: wait', nat({ usagePercent: 95, count: 2, lastRaisedAt: at(500) }), { action: 'cooldown' }],
    ['above the threshold after the cooldown: one more', nat({ usagePercent: 95, count: 2, lastRaisedAt: at(0), cooldownSeconds: 900, now: at(1000) }), { action: 'raise', count: 3 }],
    ['above the threshold with 8 NAT IPs: at the maximum, no write', nat({ usagePercent: 99, count: 8, observedIps: 8 }), { action: 'at-max' }],
    ['above the threshold measured on 1 of 2 NAT IPs (the one just added not published yet): wait, no third', nat({ usagePercent: 95, count: 2, observedIps: 1 }), { action: 'pending', observedIps: 1 }],
    ['above the threshold measured on every NAT IP: one more', nat({ usagePercent: 95, count: 2, observedIps: 2 }), { action: 'raise', count: 3 }],
    ['below the threshold on 1 of 2 NAT IPs: nothing', nat({ usagePercent: 40, count: 2, observedIps: 1 }), { action: 'none' }],
  ] as [string, NatInput, object][])('%s', (_name, input, want) => {
    expect(decideNatPorts(input)).toMatchObject(want);
  });

  it.each([
    ['the highest value of the last point over the NAT IPs', { a: series([10, 20]), b: series([90, 85]) }, undefined, { usagePercent: 85, observedIps: 2 }],
    ['no values: unknown', { a: [{ time: at(0) }] }, undefined, undefined],
    ['a NAT IP without a value in the last point (just added) is not counted', { a: series([90, 90]), b: [{ time: at(540) }, { time: at(600) }] }, undefined, { usagePercent: 90, observedIps: 1 }],
    ['a NAT IP whose first value is the last point (added during that grain; the others\' averages mix before and after) is not counted yet', { a: series([100, 90]), b: [{ time: at(540) }, { time: at(600), value: 40 }] }, undefined, { usagePercent: 90, observedIps: 1 }],
    ['the grain after it appeared: both counted', { a: series([100, 90, 50], 660), b: [{ time: at(540) }, { time: at(600), value: 40 }, { time: at(660), value: 50 }] }, undefined, { usagePercent: 50, observedIps: 2 }],
    ['NAT IPs that all start in the same point (a new service) are counted', { a: [{ time: at(600), value: 30 }], b: [{ time: at(600), value: 20 }] }, undefined, { usagePercent: 30, observedIps: 2 }],
    ['trailing empty points are skipped', { a: [...series([10, 90]), { time: at(660) }] }, undefined, { usagePercent: 90, observedIps: 1 }],
    ['points not yet published are not read', { a: [...series([10, 20]), { time: at(660), value: 95 }] }, at(600), { usagePercent: 20, observedIps: 1 }],
  ] as [string, Record<string, MetricPoint[]>, string | undefined, object | undefined][])('natUsage: %s', (_name, byIp, until, want) => {
    expect(natUsage(byIp, until)).toEqual(want);
  });
});

describe('the private link service spec takes the NAT IP count', () => {
  const p = { subscriptionId: 's', resourceGroup: 'rg', subnetId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/shared', location: 'westeurope' };
  const spec = parseForwardSpec({ ports: [{ port: 8000 }], targets: ['192.168.42.65'], consumers: { allow: [{ subscriptionId: '00000000-0000-0000-0000-00000000c001' }] } });
  const body = (count?: number, existing?: Parameters<typeof buildPrivateLinkService>[3]) => buildPrivateLinkService('f', (spec as { ok: true; spec: never }).spec, p, existing, count);
  it.each([
    ['default: one NAT IP', undefined, ['nat-1']],
    ['count 3: nat-1..nat-3', 3, ['nat-1', 'nat-2', 'nat-3']],
    ['count 12: at most 8', 12, ['nat-1', 'nat-2', 'nat-3', 'nat-4', 'nat-5', 'nat-6', 'nat-7', 'nat-8']],
  ] as [string, number | undefined, string[]][])('%s', (_name, count, names) => {
    expect(body(count).ipConfigurations?.map((c) => c.name)).toEqual(names);
  });
  it('existing NAT IPs are kept, never lowered: count 1 with 2 existing keeps 2', () => {
    const existing = body(2);
    expect(body(1, existing).ipConfigurations?.map((c) => c.name)).toEqual(['nat-1', 'nat-2']);
  });
});
