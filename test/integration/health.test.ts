import { IDS } from '../emulator/helpers/emulator';
import { healthKit, isRecycle, startHealthStack } from './helpers/health';
import type { Stack } from './helpers/stack';

/**
 * The health watch end to end (devhost + Azurite + emulator, real SDK clients, the metrics batch
 * API) on the stack's controllable clock with Azure's metric timing (PT1M grain, points published
 * two grains after they close): each step advances one grain and runs one sweep (the timer never
 * fires by itself here), grace 0. Target outages, metrics the sweep cannot read, a single-node
 * forward, and the private link service's NAT ports. (Broken nodes: health-broken.test.ts; the
 * limits: health-limits.test.ts; the grace period: health-grace.test.ts.) Each test has its own
 * forward and reads only the action-log entries logged after its own step; assertions are about
 * behaviour (what was done to the scale set, status, action log), never timings.
 */
let s: Stack;
const TARGETS = ['192.168.42.65', '192.168.42.66'];
const k = healthKit(() => s);
const { get, cond, markLog, actionsSince, requests, scaleSetActions, step, sweepUntil, sweepPast, putForward, allHealthy, advanceUntilBadPoints } = k;

beforeAll(async () => {
  s = await startHealthStack({ PLF_HEALTH_GRACE_SECONDS: '0', PLF_HEALTH_VERIFY_POLLS: '20', PLF_NAT_PORTS_COOLDOWN_SECONDS: '0' });
}, 120_000);
afterAll(() => s?.stop());
afterEach(async () => {
  for (const t of TARGETS) await s.emu.control('POST', `/targets/${t}/up`);
  await s.emu.control('DELETE', '/faults');
});

describe('every target down', () => {
  it('three sweeps: zero recycle requests, TargetOutage logged once; targets up: cleared, still zero', async () => {
    await putForward('hw3', 2);
    await allHealthy('hw3', 2);
    await s.emu.control('DELETE', '/requests');
    const mark = await markLog('hw3');
    for (const t of TARGETS) await s.emu.control('POST', `/targets/${t}/down`);
    await sweepUntil(async () => (cond(await get('hw3'), 'TargetsReachable')?.reason === 'TargetOutage' ? true : undefined), 'hw3: TargetOutage');
    // Three more points of the outage judged.
    await sweepPast('hw3', 3);
    expect((await scaleSetActions('hw3')).filter(isRecycle)).toEqual([]);
    expect(cond(await get('hw3'), 'TargetsReachable')).toMatchObject({ status: 'False', reason: 'TargetOutage' });
    expect((await actionsSince(mark)).filter((a) => a.action === 'target-outage')).toHaveLength(1);
    for (const t of TARGETS) await s.emu.control('POST', `/targets/${t}/up`);
    await sweepUntil(async () => (cond(await get('hw3'), 'TargetsReachable')?.status === 'True' ? true : undefined), 'hw3: TargetsReachable again');
    expect((await scaleSetActions('hw3')).filter(isRecycle)).toEqual([]);
    expect((await actionsSince(mark)).filter((a) => a.action === 'target-outage-cleared')).toHaveLength(1);
  }, 120_000);
});

describe('metrics the sweep cannot read', () => {
  it('metrics batch answering 429 or 500: skipped and said so, nothing recycled; the next sweep is fine', async () => {
    const b = await putForward('hw5', 2);
    await allHealthy('hw5', 2);
    const victim = b.status.nodes[0];
    for (const [i, fault] of [{ kind: 'throttle', retryAfterSeconds: 1 }, { kind: 'error', status: 500 }].entries()) {
      await s.emu.control('DELETE', '/requests');
      const mark = await markLog('hw5');
      await s.emu.control('POST', '/nodes/break', { target: victim.ip });
      // The node's bad points published (read from the emulator before the fault), then the sweeps
      // fail: what they would have acted on is there, and they skip.
      await advanceUntilBadPoints('hw5', victim.ip!, 2);
      expect((await s.emu.control('POST', '/faults', { ...fault, rate: 1, method: 'POST', resourceType: 'Microsoft.Insights/metrics' })).status).toBe(201);
      for (let n = 0; n < 3; n++) await step();
      const skipped = await get('hw5');
      expect(cond(skipped, 'NodesHealthy')).toMatchObject({ status: 'Unknown', reason: 'MetricsUnavailable' });
      expect(s.output().split('\n').filter((l) => /health sweep: /.test(l)).pop()).toMatch(new RegExp(`skipped \\d+: .*hw5 \\(metrics unavailable \\(${i === 0 ? 'TooManyRequests' : 'InternalServerError'}\\)`));
      expect((await scaleSetActions('hw5')).filter(isRecycle)).toEqual([]);
      // Faults gone: the next sweep reads the metrics again and acts on the node broken all along.
      await s.emu.control('DELETE', '/faults');
      await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), `hw5: recycled after the ${fault.kind} cleared`);
      await allHealthy('hw5', 2);
    }
  }, 180_000);
});

describe('a single-node forward', () => {
  it('probe failure alone: not recycled (a target outage looks the same); hung (VM agent not ready): recycled, its reimage request answered late', async () => {
    const b = await putForward('hw10', 1);
    await allHealthy('hw10', 1);
    const node = b.status.nodes[0];
    await s.emu.control('DELETE', '/requests');
    await s.emu.control('POST', '/nodes/break', { target: node.ip });
    await sweepUntil(async () => (cond(await get('hw10'), 'NodesHealthy')?.reason === 'SingleNodeNoEvidence' ? true : undefined), 'hw10: the broken single node held');
    // Two more points of the broken node judged: still held.
    await sweepPast('hw10', 2);
    expect((await scaleSetActions('hw10')).filter(isRecycle)).toEqual([]);
    expect(cond(await get('hw10'), 'NodesHealthy')).toMatchObject({ status: 'False', reason: 'SingleNodeNoEvidence' });
    // The next instance action (the reimage) is answered 2.5 s late, so its log entry is late too:
    // the test reads only the entries logged after this break, whatever was logged before.
    await s.emu.control('DELETE', '/requests');
    const late = await s.emu.control<{ id: string }>('POST', '/faults', { kind: 'latency', latencyMs: 2500, count: 1, method: 'POST', resourceType: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines' });
    expect(late.status).toBe(201);
    const mark = await markLog('hw10');
    await s.emu.control('POST', '/nodes/break', { target: node.ip, mode: 'hung' });
    await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === node.instanceId) ? true : undefined), 'hw10: hung node reimaged and verified');
    expect((await actionsSince(mark)).filter((a) => a.action === 'reimage')).toEqual([expect.objectContaining({ actor: 'sweep', target: node.instanceId, reason: expect.stringMatching(/hung/) })]);
    // The delay landed on that reimage: the one-shot fault fired, and it is the only instance action requested.
    expect((await s.emu.control<{ value: { id: string; fired: number }[] }>('GET', '/faults')).body.value.find((f) => f.id === late.body.id)?.fired).toBe(1);
    expect((await requests()).filter((r) => r.method === 'POST' && r.resourceType === 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines').map((r) => r.path)).toEqual([
      expect.stringMatching(new RegExp(`/virtualMachineScaleSets/plf-hw10-vmss/virtualMachines/${node.instanceId}/reimage$`, 'i')),
    ]);
    await allHealthy('hw10', 1);
  }, 180_000);
});

describe('NAT ports of the private link service', () => {
  const plsId = (name: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/plf-${name}-pls`;
  const natNames = async (name: string) => ((await s.emu.network(IDS.hubSub).privateLinkServices.get(IDS.hubRg, `plf-${name}-pls`)).ipConfigurations ?? []).map((c) => c.name);
  const plsWrites = async (name: string) => (await requests()).filter((r) => r.method === 'PUT' && r.path.toLowerCase().endsWith(`/privatelinkservices/plf-${name}-pls`));

  it('usage above the threshold: one NAT IP added (applied by the reconcile); at 8: a condition, no write', async () => {
    await putForward('hwn', 2);
    await allHealthy('hwn', 2);
    expect(await natNames('hwn')).toEqual(['nat-1']);
    const mark = await markLog('hwn');
    // Demand of one NAT IP's ports at 100%: 2 NAT IPs bring it to 50%, below the 80% threshold.
    expect((await s.emu.control('PUT', '/metrics/pls-nat-ports', { privateLinkServiceId: plsId('hwn'), percent: 100 })).status).toBe(200);
    await sweepUntil(async () => ((await natNames('hwn')).length === 2 ? true : undefined), 'hwn: a second NAT IP');
    // Usage over the two NAT IPs published and read: the sweep sees it below the threshold.
    await sweepUntil(async () => (cond(await get('hwn'), 'NatPortsAvailable')?.reason === 'BelowThreshold' ? true : undefined), 'hwn: below the threshold with 2 NAT IPs');
    await sweepPast('hwn', 2);
    expect(await natNames('hwn')).toEqual(['nat-1', 'nat-2']);
    expect((await actionsSince(mark)).filter((a) => a.action === 'nat-ip-added')).toHaveLength(1);
    expect(cond(await get('hwn'), 'NatPortsAvailable')).toMatchObject({ status: 'True', reason: 'BelowThreshold' });

    // Demand beyond what 8 NAT IPs hold: raised one at a time up to 8, then the condition, no more writes.
    await s.emu.control('PUT', '/metrics/pls-nat-ports', { privateLinkServiceId: plsId('hwn'), percent: 800 });
    await sweepUntil(async () => (cond(await get('hwn'), 'NatPortsAvailable')?.reason === 'MaxNatIps' ? true : undefined), 'hwn: MaxNatIps', 60);
    expect(await natNames('hwn')).toHaveLength(8);
    await s.emu.control('DELETE', '/requests');
    await sweepPast('hwn', 3);
    expect(await plsWrites('hwn')).toEqual([]);
    expect(cond(await get('hwn'), 'NatPortsAvailable')).toMatchObject({ status: 'False', reason: 'MaxNatIps' });
    // The count lives beside the spec: drift repair keeps it.
    expect((await get('hwn')).status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    await s.emu.control('PUT', '/metrics/pls-nat-ports', { privateLinkServiceId: plsId('hwn'), percent: null });
  }, 240_000);
});

