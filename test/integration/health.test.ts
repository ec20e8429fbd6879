import * as fs from 'node:fs';
import * as path from 'node:path';
import { IDS } from '../emulator/helpers/emulator';
import { eventually, ROOT, startStack, type Stack } from './helpers/stack';

/**
 * The health watch end to end (devhost + Azurite + emulator, real SDK clients, the metrics batch
 * API): the emulator's metric grain is GRAIN_S with a sampled history and points published late as
 * in Azure (shortened here to 1 s after the grain closes; the stack sets
 * PLF_HEALTH_METRIC_DELAY_SECONDS to match), sweeps are driven by invoking the timer through devhost's admin endpoint (its schedule
 * never fires here), grace 0. Tests wait on what they caused (a condition, an action, the nodes'
 * last judged point passing a time), not fixed sleeps. Each test has its own forward name, and
 * reads only the action-log entries logged after its own step (`markLog` before the break,
 * `actionsSince` after), never "some entry exists" in the whole log.
 * Assertions are about behaviour (what was done to the scale set, status, action log), never timings.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown> & { nodes: Record<string, unknown> };
const TARGETS = ['192.168.42.65', '192.168.42.66'];
const GRAIN_S = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Node { instanceId: string; ip?: string; health: string; lastSample?: string; recycles?: { action: string; time: string; result: string }[] }
interface Cond { type: string; status: string; reason: string; message: string }
interface ForwardBody { generation: number; status: { phase: string; observedGeneration: number; conditions: Cond[]; nodes: Node[]; resources: { scaleSetId?: string } } }
interface Action { time: string; actor: string; action: string; target: string; reason: string }
type RequestEntry = { seq: number; method: string; path: string; kind: string; status: number; resourceType?: string };

const get = async (name: string) => (await s.api<ForwardBody>('GET', `/api/forwards/${name}`)).body;
const cond = (b: ForwardBody, type: string) => b.status.conditions.find((c) => c.type === type);
/** A forward's whole action log, newest first (every page). */
async function actions(name: string): Promise<Action[]> {
  type Page = { value: Action[]; nextLink?: string };
  const out: Action[] = [];
  let next: string | undefined = `/api/forwards/${name}/actions?top=200`;
  while (next) {
    const page: Page = (await s.api<Page>('GET', next)).body;
    out.push(...page.value);
    next = page.nextLink;
  }
  return out;
}
/** The entries of a forward's action log at one moment: what `actionsSince` leaves out. */
interface LogMark { name: string; present: Map<string, number> }
const entryKey = (a: Action) => JSON.stringify([a.time, a.actor, a.action, a.target, a.reason]);
/** Marks a forward's action log now (before the step a test then takes). */
async function markLog(name: string): Promise<LogMark> {
  const present = new Map<string, number>();
  for (const a of await actions(name)) present.set(entryKey(a), (present.get(entryKey(a)) ?? 0) + 1);
  return { name, present };
}
/**
 * The entries logged after `mark`, newest first: the log minus the entries present at the mark
 * (matched by content, each once), so an entry logged late with an earlier time is still seen.
 */
async function actionsSince(mark: LogMark): Promise<Action[]> {
  const left = new Map(mark.present);
  return (await actions(mark.name)).filter((a) => {
    const n = left.get(entryKey(a)) ?? 0;
    if (n > 0) left.set(entryKey(a), n - 1);
    return n === 0;
  });
}
const requests = async () => (await s.emu.control<{ value: RequestEntry[] }>('GET', '/requests')).body.value;
/** Scale set instance actions (reimage, deleteInstances, capacity writes) on a forward's scale set. */
const scaleSetActions = async (name: string) =>
  (await requests()).filter((r) => r.path.toLowerCase().includes(`/virtualmachinescalesets/plf-${name}-vmss`) && r.method !== 'GET' && r.status < 400 && !r.path.toLowerCase().includes('/operations/'));
const isRecycle = (r: RequestEntry) => /\/reimage$|\/delete$|\/deleteinstances$/i.test(r.path) || r.method === 'PATCH';
const sweeps = () => (s.output().match(/health sweep: /g) ?? []).length;

/** Runs one sweep now and waits for it to finish (its log line). */
async function sweep(): Promise<void> {
  const before = sweeps();
  const r = await s.api('POST', '/admin/functions/healthSweep', {});
  expect(r.status).toBe(202);
  await eventually(async () => (sweeps() > before ? true : undefined), 'the health sweep finished', 30_000);
}
/** Sweeps every grain until `until` holds. */
async function sweepUntil<T>(until: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  return eventually(async () => {
    await sweep();
    return until();
  }, what, timeoutMs, 1500);
}
async function putForward(name: string, count: number) {
  const r = await s.api<ForwardBody>('PUT', `/api/forwards/${name}`, { ...example, nodes: { ...example.nodes, count } });
  expect([200, 201, 202]).toContain(r.status);
  return eventually(async () => {
    const b = await get(name);
    return b.status.observedGeneration >= r.body.generation && b.status.phase === 'Ready' ? b : undefined;
  }, `${name} Ready`, 90_000);
}
/**
 * Sweeps until every node's last judged metric point is from `grains` grains after now on: every
 * point up to now (what the test caused before) has been published and read by a sweep.
 */
async function sweepPast(name: string, grains = 1) {
  const from = new Date(Math.ceil(Date.now() / (GRAIN_S * 1000) + grains) * GRAIN_S * 1000).toISOString();
  return sweepUntil(async () => {
    const b = await get(name);
    return b.status.nodes.length && b.status.nodes.every((n) => n.lastSample && n.lastSample >= from) ? b : undefined;
  }, `${name}: every node judged on points from ${from} on`);
}
/** Waits until the emulator has published `k` bad points (from now on) for a node's IP, reading them as the product does. */
async function badPointsPublished(name: string, ip: string, k: number) {
  const since = Date.now();
  const lbId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/plf-${name}-lb`;
  await eventually(async () => {
    const [r] = await s.emu.metrics().queryResources([lbId], ['DipAvailability'], 'Microsoft.Network/loadBalancers', { filter: "BackendIPAddress eq '*'", startTime: new Date(Date.now() - 60_000), endTime: new Date() });
    const pts = (r.metrics[0].timeseries.find((t) => String(t.metadatavalues?.[0]?.value) === ip)?.data ?? []).filter((p) => typeof p.average === 'number' && p.timeStamp.getTime() >= since - GRAIN_S * 1000);
    return pts.filter((p) => p.average! < 50).length >= k ? true : undefined;
  }, `${name}: ${k} bad points published for ${ip}`, 60_000, 500);
}
/** Waits until every node of the forward reads healthy in the health section. */
async function allHealthy(name: string, count: number) {
  return sweepUntil(async () => {
    const b = await get(name);
    return b.status.nodes.length === count && b.status.nodes.every((n) => n.health === 'healthy' && n.lastSample) && cond(b, 'NodesHealthy')?.status === 'True' ? b : undefined;
  }, `${name}: ${count} node(s) healthy`);
}

beforeAll(async () => {
  s = await startStack({ PLF_HEALTH_SCHEDULE: '0 0 0 1 1 *', PLF_HEALTH_GRACE_SECONDS: '0', PLF_HEALTH_WINDOW_SECONDS: '120', PLF_HEALTH_VERIFY_POLLS: '100', PLF_POLL_INTERVAL_MS: '500', PLF_NAT_PORTS_COOLDOWN_SECONDS: '0' }, {}, { grainSeconds: GRAIN_S, publicationDelaySeconds: 1 });
}, 120_000);
afterAll(() => s?.stop());
afterEach(async () => {
  for (const t of TARGETS) await s.emu.control('POST', `/targets/${t}/up`);
  await s.emu.control('DELETE', '/faults');
});

describe('a broken node', () => {
  it('transient: reimaged once, healthy again, nothing else touched', async () => {
    const b = await putForward('hw1', 2);
    await allHealthy('hw1', 2);
    const victim = b.status.nodes[0];
    await s.emu.control('DELETE', '/requests');
    const mark = await markLog('hw1');
    expect((await s.emu.control('POST', '/nodes/break', { target: victim.ip })).status).toBe(200);
    await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), 'hw1: reimaged and verified');
    const after = await allHealthy('hw1', 2);
    const acts = (await scaleSetActions('hw1')).filter(isRecycle);
    expect(acts.map((r) => r.path.split('/').pop())).toEqual(['reimage']);
    expect(acts[0].path).toContain(`/virtualMachines/${victim.instanceId}/reimage`);
    expect(after.status.nodes.map((n) => n.instanceId).sort()).toEqual(b.status.nodes.map((n) => n.instanceId).sort());
    expect(after.status.nodes.find((n) => n.instanceId === victim.instanceId)?.recycles?.map((r) => r.action)).toEqual(['reimage', 'verify']);
    const log = await actionsSince(mark);
    expect(log.filter((a) => a.action === 'reimage')).toHaveLength(1);
    expect(log.find((a) => a.action === 'reimage')).toMatchObject({ actor: 'sweep', target: victim.instanceId, reason: expect.stringMatching(/consecutive metric samples/) });
  }, 240_000);

  it('a reconcile pass while it is broken records Degraded; once the sweep finds it healthy again, Ready follows at once, not at the next drift check', async () => {
    const b = await putForward('hw9', 2);
    await allHealthy('hw9', 2);
    const victim = b.status.nodes[0];
    const mark = await markLog('hw9');
    expect((await s.emu.control('POST', '/nodes/break', { target: victim.ip })).status).toBe(200);
    // The same spec again: a reconcile pass now, which reads the broken node's instance view.
    expect((await s.api('PUT', '/api/forwards/hw9', { ...example, nodes: { ...example.nodes, count: 2 } })).status).toBe(200);
    await eventually(async () => (cond(await get('hw9'), 'Ready')?.message.includes('not healthy by their instance view') ? true : undefined), 'hw9: the reconcile recorded Degraded', 30_000);
    await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), 'hw9: reimaged and verified');
    await allHealthy('hw9', 2);
    const ready = await eventually(async () => {
      const now = await get('hw9');
      return now.status.phase === 'Ready' ? now : undefined;
    }, 'hw9: phase Ready again (PLF_DRIFT_CHECK_SECONDS is 600 here)', 30_000);
    expect(cond(ready, 'Ready')?.message).toBe(`generation ${b.generation} is provisioned`);
  }, 240_000);

  it('persistent: reimaged, still broken, replaced; the forward ends with its node count, all healthy', async () => {
    const b = await putForward('hw2', 2);
    await allHealthy('hw2', 2);
    const victim = b.status.nodes[1];
    const mark = await markLog('hw2');
    await s.emu.control('POST', '/nodes/break', { target: victim.ip, persistent: true });
    await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target !== victim.instanceId) ? true : undefined), 'hw2: replaced and verified', 180_000);
    const log = (await actionsSince(mark)).reverse().map((a) => a.action);
    expect(log.filter((a) => ['reimage', 'verify-still-broken', 'replace', 'restore-capacity', 'verify-verified'].includes(a))).toEqual(['reimage', 'verify-still-broken', 'replace', 'restore-capacity', 'verify-verified']);
    const vmss = await s.emu.compute(IDS.hubSub).virtualMachineScaleSets.get(IDS.hubRg, 'plf-hw2-vmss');
    expect(vmss.sku?.capacity).toBe(2);
    const after = await allHealthy('hw2', 2);
    expect(after.status.nodes.map((n) => n.instanceId)).not.toContain(victim.instanceId);
  }, 300_000);
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
  }, 240_000);
});

describe('not recycled', () => {
  it('a flapping node (broken for one sample)', async () => {
    const b = await putForward('hw4', 2);
    await allHealthy('hw4', 2);
    await s.emu.control('DELETE', '/requests');
    // Broken for three quarters of one grain, from just after its start: one bad point at most
    // (two need more than half of each of two grains).
    await sleep(GRAIN_S * 1000 - (Date.now() % (GRAIN_S * 1000)) + 50);
    await s.emu.control('POST', '/nodes/break', { target: b.status.nodes[0].ip });
    await sleep(GRAIN_S * 750);
    await s.emu.control('POST', '/nodes/repair', { target: b.status.nodes[0].ip });
    // Every point of the break and two after it judged.
    await sweepPast('hw4', 2);
    expect((await scaleSetActions('hw4')).filter(isRecycle)).toEqual([]);
    await allHealthy('hw4', 2);
  }, 240_000);

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
      await badPointsPublished('hw5', victim.ip!, 2);
      expect((await s.emu.control('POST', '/faults', { ...fault, rate: 1, method: 'POST', resourceType: 'Microsoft.Insights/metrics' })).status).toBe(201);
      for (let n = 0; n < 3; n++) await sweep();
      const skipped = await get('hw5');
      expect(cond(skipped, 'NodesHealthy')).toMatchObject({ status: 'Unknown', reason: 'MetricsUnavailable' });
      expect(s.output().split('\n').filter((l) => /health sweep: /.test(l)).pop()).toMatch(new RegExp(`skipped \\d+: .*hw5 \\(metrics unavailable \\(${i === 0 ? 'TooManyRequests' : 'InternalServerError'}\\)`));
      expect((await scaleSetActions('hw5')).filter(isRecycle)).toEqual([]);
      // Faults gone: the next sweeps read the metrics again and act on the node broken all along.
      await s.emu.control('DELETE', '/faults');
      await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), `hw5: recycled after the ${fault.kind} cleared`);
      await allHealthy('hw5', 2);
    }
  }, 300_000);
});

describe('one node at a time', () => {
  it('two nodes broken at once: recycled one after the other', async () => {
    const b = await putForward('hw6', 3);
    await allHealthy('hw6', 3);
    const [n0, n1] = b.status.nodes;
    const mark = await markLog('hw6');
    await s.emu.control('POST', '/nodes/break', { target: n0.ip });
    await s.emu.control('POST', '/nodes/break', { target: n1.ip });
    await sweepUntil(async () => ((await actionsSince(mark)).filter((a) => a.action === 'verify-verified').length >= 2 ? true : undefined), 'hw6: both recycled', 180_000);
    const log = (await actionsSince(mark)).reverse().filter((a) => ['reimage', 'verify-verified', 'verify-still-broken', 'replace'].includes(a.action));
    // Each reimage is verified before the next one starts.
    expect(log.map((a) => a.action)).toEqual(['reimage', 'verify-verified', 'reimage', 'verify-verified']);
    expect(new Set([log[0].target, log[2].target])).toEqual(new Set([n0.instanceId, n1.instanceId]));
    await allHealthy('hw6', 3);
  }, 300_000);

  it('a node recycled 3 times in an hour: RecycleSuspended naming it, no fourth action; an operator resume lifts it', async () => {
    const b = await putForward('hw7', 2);
    await allHealthy('hw7', 2);
    const victim = b.status.nodes[0];
    for (let i = 1; i <= 3; i++) {
      const mark = await markLog('hw7');
      await s.emu.control('POST', '/nodes/break', { target: victim.ip });
      await sweepUntil(async () => ((await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), `hw7: recycle ${i}`);
      await allHealthy('hw7', 2);
    }
    await s.emu.control('DELETE', '/requests');
    const fourth = await markLog('hw7');
    await s.emu.control('POST', '/nodes/break', { target: victim.ip });
    const suspended = await sweepUntil(async () => {
      const c = cond(await get('hw7'), 'RecycleSuspended');
      return c?.status === 'True' ? c : undefined;
    }, 'hw7: RecycleSuspended');
    expect(suspended.message).toContain(victim.instanceId);
    // Three more points of the broken node judged while suspended.
    await sweepPast('hw7', 3);
    expect((await scaleSetActions('hw7')).filter(isRecycle)).toEqual([]);
    expect((await actionsSince(fourth)).filter((a) => a.action === 'reimage')).toEqual([]);
    expect((await actions('hw7')).filter((a) => a.action === 'reimage')).toHaveLength(3);
    expect((await actionsSince(fourth)).filter((a) => a.action === 'recycle-suspended')).toHaveLength(1);
    // An operator resumes recycling: the condition clears and the node is recycled again.
    const resumedAt = await markLog('hw7');
    const resume = () => s.api<{ resumed: boolean; instanceId?: string; message: string }>('POST', '/api/forwards/hw7/recycling/resume');
    const resumed = await resume();
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ resumed: true, instanceId: victim.instanceId });
    // Asked again before a sweep: already resumed, nothing more to do (200, not another 202).
    expect(await resume()).toMatchObject({ status: 200, body: { resumed: false, message: expect.stringMatching(/already resumed/) } });
    await sweepUntil(async () => ((await actionsSince(resumedAt)).some((a) => a.action === 'verify-verified' && a.target === victim.instanceId) ? true : undefined), 'hw7: recycled after the resume');
    expect(cond(await get('hw7'), 'RecycleSuspended')).toMatchObject({ status: 'False' });
    // Nothing suspended any more: a resume is a 200 that says so.
    expect(await resume()).toMatchObject({ status: 200, body: { resumed: false, message: expect.stringMatching(/not suspended: nothing to resume/) } });
  }, 300_000);

  it('rolling upgrade in progress + a broken node: no concurrent actions on the scale set', async () => {
    const b = await putForward('hw8', 2);
    await allHealthy('hw8', 2);
    await s.emu.control('DELETE', '/requests');
    const mark = await markLog('hw8');
    await s.emu.control('PUT', '/settings', { lroDelayMs: 1500 });
    try {
      // A new target list changes every node's customData: the reconcile rolls both nodes.
      const r = await s.api<ForwardBody>('PUT', `/api/forwards/hw8`, { ...example, nodes: { ...example.nodes, count: 2 }, targets: ['192.168.42.66', '192.168.42.65'] });
      expect(r.status).toBe(202);
      await eventually(async () => ((await requests()).some((x) => /\/plf-hw8-vmss\/manualupgrade$/i.test(x.path)) ? true : undefined), 'hw8: the roll started', 60_000);
      await s.emu.control('POST', '/nodes/break', { target: b.status.nodes[1].ip, persistent: true });
      await sweepUntil(async () => {
        const done = (await actionsSince(mark)).some((a) => a.action === 'verify-verified' && a.target !== b.status.nodes[1].instanceId);
        const body = await get('hw8');
        return done && body.status.observedGeneration === r.body.generation ? true : undefined;
      }, 'hw8: rolled, then the broken node replaced', 240_000);
    } finally {
      await s.emu.control('PUT', '/settings', { lroDelayMs: 0 });
    }
    // Instance-acting requests in order: every roll step (upgrade, then the scale set's reimage of
    // that instance) comes before every recycle action (per-instance reimage, delete: the recycle
    // waited for the reconcile to release the scale set), and none interleave.
    const acting = (await requests()).filter((x) => /\/plf-hw8-vmss\/(manualupgrade|reimage|delete)$|\/plf-hw8-vmss\/virtualmachines\/\d+\/reimage$/i.test(x.path) && x.status < 400);
    const kinds = acting.map((x) => (/\/plf-hw8-vmss\/(manualupgrade|reimage)$/i.test(x.path) ? 'upgrade' : 'recycle'));
    expect(kinds.indexOf('recycle')).toBeGreaterThan(kinds.lastIndexOf('upgrade'));
    expect(kinds.filter((k) => k === 'upgrade').length).toBeGreaterThanOrEqual(1);
    expect((await actionsSince(mark)).some((a) => a.action === 'reimage')).toBe(true);
  }, 360_000);
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
  }, 240_000);
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
    await sweepUntil(async () => (cond(await get('hwn'), 'NatPortsAvailable')?.reason === 'MaxNatIps' ? true : undefined), 'hwn: MaxNatIps', 180_000);
    expect(await natNames('hwn')).toHaveLength(8);
    await s.emu.control('DELETE', '/requests');
    await sweepPast('hwn', 3);
    expect(await plsWrites('hwn')).toEqual([]);
    expect(cond(await get('hwn'), 'NatPortsAvailable')).toMatchObject({ status: 'False', reason: 'MaxNatIps' });
    // The count lives beside the spec: drift repair keeps it.
    expect((await get('hwn')).status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    await s.emu.control('PUT', '/metrics/pls-nat-ports', { privateLinkServiceId: plsId('hwn'), percent: null });
  }, 300_000);
});
