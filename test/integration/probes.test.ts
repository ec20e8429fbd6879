import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { probeKey } from '../../core/probes';
import { DEFAULT_PROBE_IMAGE } from '../../core/app-settings';
import { ProbeStateStore } from '../../store/probe-history';
import { tableClient } from '../../store/tables';
import { consumerGrant, readRoles } from '../../tools/devhost/app-grants';
import { IDS } from '../emulator/helpers/emulator';
import { eventually, putForwardReady, ROOT, startStack, type Stack } from './helpers/stack';

/**
 * Connectivity probes end to end (devhost + Azurite + emulator, real SDK clients): a container
 * group in the consumer's probe subnet connects to the forward by its DNS name, the result goes
 * to the history and the forward's status, and the group is always deleted.
 *
 * The stack runs on the controllable clock: a container that runs for seconds, the run's deadline
 * and "nothing more happens until the next schedule" are advanced through (`s.advance`, which
 * steps through every poll of the run and returns once devhost is idle), not waited for. Killing
 * and restarting devhost stays real.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown> & { probes: { subnetId: string; every: string }[] };
const TARGETS = ['192.168.42.65', '192.168.42.66'];
/** PLF_PROBE_DEADLINE_SECONDS of this file's stack. */
const DEADLINE_S = 10;
const plsId = (forward: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/plf-${forward}-pls`;

interface PortResult { port: number; ok: boolean; stage?: string; connect?: string; latencyMs?: number; detail: string }
interface RunResult { runId: string; subnetId: string; outcome: string; ports: PortResult[]; code?: string; detail?: string; host?: string; startedAt: string; actor: string }
interface Cond { type: string; status: string; reason: string; message: string }
interface ForwardBody { generation: number; status: { phase: string; observedGeneration: number; conditions: Cond[]; probes?: { subnetId: string; outcome: string }[]; connections?: { state: string; dns?: { state: string }[] }[] } }
type RequestEntry = { method: string; path: string; kind: string; status: number };

const get = async (name: string) => (await s.api<ForwardBody>('GET', `/api/forwards/${name}`)).body;
const reachable = async (name: string) => (await get(name)).status.conditions.find((c) => c.type === 'Reachable');
const requests = async () => (await s.emu.control<{ value: RequestEntry[] }>('GET', '/requests')).body.value;
const cgRequests = async () => (await requests()).filter((r) => /containerGroups/i.test(r.path));
async function groups(): Promise<string[]> {
  const out: string[] = [];
  for await (const g of s.emu.containers(IDS.consumerSub).containerGroups.list()) out.push(g.name!);
  return out;
}
const putForward = (name: string, body: unknown) => putForwardReady(s, name, body);
async function startRun(name: string, subnetId?: string): Promise<string> {
  const r = await s.api<{ runId: string; location: string }>('POST', `/api/forwards/${name}/probes/run${subnetId ? `?subnetId=${encodeURIComponent(subnetId)}` : ''}`);
  expect(r.status).toBe(202);
  expect(r.headers.get('location')).toBe(`/api/forwards/${name}/probes/runs/${r.body.runId}`);
  return r.headers.get('location')!;
}
async function finished(location: string): Promise<RunResult> {
  return eventually(async () => {
    const r = await s.api<{ state: string; result?: RunResult }>('GET', location);
    return r.status === 200 && r.body.state === 'finished' ? r.body.result : undefined;
  }, `${location} finished`, 60_000);
}
const run = async (name: string, subnetId?: string) => finished(await startRun(name, subnetId));
const timer = () => s.api('POST', '/admin/functions/probesTimer', {});
const states = () => new ProbeStateStore(tableClient({ AzureWebJobsStorage: s.azurite.connectionString }, 'plfProbeState'));
/** Moves the probe's last run (or its addition) back, as if `minutes` had passed. */
async function age(forward: string, subnetId: string, minutes: number): Promise<void> {
  const st = (await states().get(forward, probeKey(subnetId)))!;
  const back = (t: string | undefined) => (t ? new Date(Date.parse(t) - minutes * 60_000).toISOString() : t);
  await states().put(forward, { ...st, addedAt: back(st.addedAt)!, ...(st.lastRunAt ? { lastRunAt: back(st.lastRunAt) } : {}) });
}
const history = async (forward: string) => (await s.api<{ value: RunResult[] }>('GET', `/api/forwards/${forward}/probes?top=200`)).body.value;
const noGroupsLeft = () => eventually(async () => ((await groups()).length === 0 ? true : undefined), 'no container group left');

beforeAll(async () => {
  s = await startStack({ PLF_CONNECTIONS_LINGER_SECONDS: '5', PLF_PROBE_DEADLINE_SECONDS: String(DEADLINE_S), PLF_PROBE_SWEEP_SECONDS: '0' }, {}, undefined, { clock: 'controllable' });
  await putForward('web', example);
  const r = await s.emu.control('POST', '/consumer-endpoints', { subnetId: IDS.spokeLinked, name: 'pe-web-1', privateLinkServiceId: plsId('web') });
  expect(r.status).toBeLessThan(300);
  await eventually(async () => ((await get('web')).status.connections?.some((c) => c.state === 'Approved' && c.dns?.[0]?.state === 'written') ? true : undefined), 'endpoint approved and named', 60_000);
}, 180_000);
afterAll(() => s?.stop());

describe('a forward Ready with an approved endpoint and its record', () => {
  it('a run reports every port ok with a latency, by the DNS name, and leaves no container group', async () => {
    await s.emu.control('DELETE', '/requests');
    const result = await run('web');
    expect(result).toMatchObject({ outcome: 'ok', subnetId: IDS.spokeJump, host: 'onprem-server.internal.net', actor: 'api' });
    expect(result.ports).toEqual([expect.objectContaining({ port: 8000, ok: true, latencyMs: expect.any(Number) })]);
    expect(result.ports[0].stage).toBeUndefined();
    await noGroupsLeft();
    const cg = await cgRequests();
    const put = cg.find((r) => r.method === 'PUT');
    expect(put?.path).toMatch(new RegExp(`^/subscriptions/${IDS.consumerSub}/resourceGroups/${IDS.spokeRg}/providers/Microsoft.ContainerInstance/containerGroups/plfp-web-`, 'i'));
    expect(cg.some((r) => r.method === 'DELETE')).toBe(true);
    expect(await reachable('web')).toMatchObject({ status: 'True', reason: 'ProbesPassing' });
    expect((await get('web')).status.probes).toEqual([expect.objectContaining({ subnetId: IDS.spokeJump, outcome: 'ok' })]);
  });

  it('the group is created with restartPolicy Never, the smallest resources, our tags and an argv command (no shell)', async () => {
    await s.emu.control('PUT', '/containerinstance/settings', { runMs: 3000 });
    try {
      const location = await startRun('web');
      const runId = location.split('/').pop()!;
      const name = await eventually(async () => (await groups())[0], 'group created');
      const cg = await s.emu.containers(IDS.consumerSub).containerGroups.get(IDS.spokeRg, name);
      expect(cg.restartPolicy).toBe('Never');
      expect(cg.subnetIds).toEqual([{ id: IDS.spokeJump }]);
      expect(cg.tags).toMatchObject({ 'managed-by': 'plf', 'plf-forward': 'web', 'plf-probe-run': runId });
      expect(cg.containers.map((c) => c.command)).toEqual([['time', 'nc', '-zvv', '-w', '5', 'onprem-server.internal.net', '8000']]);
      expect(cg.containers[0].image).toBe(DEFAULT_PROBE_IMAGE);
      // The spoke VNet has no custom DNS servers: no dnsConfig (Azure-provided DNS, as the VNet).
      expect(cg.dnsConfig).toBeUndefined();
      expect(cg.containers[0].resources.requests).toEqual({ cpu: 0.1, memoryInGB: 0.1 });
      // A second run while this one goes is refused.
      expect((await s.api('POST', '/api/forwards/web/probes/run')).status).toBe(409);
      const running = await s.api<{ state: string }>('GET', location);
      expect(running.body.state).toBe('running');
      await s.advance(3);
      expect((await finished(location)).outcome).toBe('ok');
      await noGroupsLeft();
    } finally {
      await s.emu.control('PUT', '/containerinstance/settings', { runMs: 0 });
    }
  });
});

describe('probes[].resourceGroup', () => {
  it("puts the container group in that resource group of the subnet's subscription", async () => {
    const rg = await s.emu.raw('PUT', `/subscriptions/${IDS.consumerSub}/resourcegroups/rg-spoke-probes?api-version=2021-04-01`, { body: { location: IDS.location } });
    expect(rg.status).toBeLessThan(300);
    // Its owner grants the app the probes role there (infra/consumer/roles.bicep probeResourceGroups).
    const grant = consumerGrant(readRoles(ROOT), 'probes', IDS.consumerSub, 'rg-spoke-probes');
    expect((await s.emu.control('PUT', `/role-assignments/${grant.name}`, { scope: grant.scope, actions: grant.actions })).status).toBe(201);
    await putForward('web', { ...example, probes: [{ ...example.probes[0], resourceGroup: 'rg-spoke-probes' }] });
    await s.emu.control('DELETE', '/requests');
    try {
      expect((await run('web')).outcome).toBe('ok');
      const put = (await cgRequests()).find((r) => r.method === 'PUT');
      expect(put?.path).toMatch(new RegExp(`^/subscriptions/${IDS.consumerSub}/resourceGroups/rg-spoke-probes/providers/Microsoft.ContainerInstance/containerGroups/plfp-web-`, 'i'));
      await noGroupsLeft();
    } finally {
      await putForward('web', example);
    }
  });
});

describe('the target down', () => {
  afterAll(async () => {
    for (const ip of TARGETS) await s.emu.control('POST', `/targets/${ip}/up`);
  });

  it('the run reports connect failed (timeout); Reachable turns False after the second run; targets up: True again', async () => {
    for (const ip of TARGETS) await s.emu.control('POST', `/targets/${ip}/down`);
    const first = await run('web');
    expect(first.outcome).toBe('failed');
    expect(first.ports[0]).toMatchObject({ port: 8000, ok: false, stage: 'connect', connect: 'timeout' });
    expect(await reachable('web')).toMatchObject({ status: 'True' });
    const second = await run('web');
    expect(second.ports[0]).toMatchObject({ stage: 'connect' });
    const down = await reachable('web');
    expect(down).toMatchObject({ status: 'False', reason: 'ConnectFailed' });
    expect(down!.message).toMatch(/failed 2 runs in a row.*stage connect \(timeout\) on port\(s\) 8000/);
    expect(s.output()).toMatch(/"event":"plf\.probe\.reachableChanged","forward":"web","status":"False","previousStatus":"True","reason":"ConnectFailed"/);
    for (const ip of TARGETS) await s.emu.control('POST', `/targets/${ip}/up`);
    expect((await run('web')).outcome).toBe('ok');
    expect(await reachable('web')).toMatchObject({ status: 'True', reason: 'ProbesPassing' });
    await noGroupsLeft();
  });

  it('the platform restarts the failed probe container despite restartPolicy Never (ACI-13): the verdict comes from its first exit while it runs again, not the deadline', async () => {
    // Each run lasts 6 s and the back-off is 0: the first exit (t = 6 s) is restarted at once, the
    // rerun would end at 12 s, after the 10 s deadline. Only its previousState tells in time.
    // The clock is advanced to 7 s: the rerun runs, the deadline is 3 s away.
    await s.emu.control('PUT', '/containerinstance/settings', { runMs: 6000, restartDelayMs: 0 });
    for (const ip of TARGETS) await s.emu.control('POST', `/targets/${ip}/down`);
    try {
      const location = await startRun('web');
      await s.advance(7);
      const r = await finished(location);
      expect(r.outcome).toBe('failed');
      expect(r.ports[0]).toMatchObject({ port: 8000, ok: false, stage: 'connect', connect: 'timeout' });
      await noGroupsLeft();
    } finally {
      for (const ip of TARGETS) await s.emu.control('POST', `/targets/${ip}/up`);
      await s.emu.control('PUT', '/containerinstance/settings', { runMs: 0, restartDelayMs: 10_000 });
    }
  });

  it('a port closed on the targets: connect timeout, not refused (the same-port TCP health probe fails, so the load balancer drops the SYN)', async () => {
    // A reset from the targets never reaches the probe through the forward: the LB's health probe
    // on the same port fails first and Azure LB does not send flows to unhealthy backends. A
    // refused verdict (the exact busybox lines) is shown through a real group in
    // test/emulator/containerinstance/aci-rules.test.ts and in test/unit/probes.test.ts.
    for (const ip of TARGETS) await s.emu.control('POST', `/targets/${ip}/ports/8000/close`);
    try {
      const r = await run('web');
      expect(r).toMatchObject({ outcome: 'failed' });
      expect(r.ports[0]).toMatchObject({ ok: false, stage: 'connect', connect: 'timeout' });
      expect(r.ports[0].detail).toMatch(/^nc: onprem-server\.internal\.net \(\d+\.\d+\.\d+\.\d+:8000\): Connection timed out$/);
    } finally {
      for (const ip of TARGETS) await s.emu.control('POST', `/targets/${ip}/ports/8000/open`);
    }
  });
});

describe('name resolution', () => {
  it('the record missing: the dns stage failed, distinct from connect', async () => {
    const dns = s.emu.privateDns(IDS.hubSub);
    const rec = await dns.recordSets.get(IDS.hubRg, 'internal.net', 'A', 'onprem-server');
    await dns.recordSets.delete(IDS.hubRg, 'internal.net', 'A', 'onprem-server');
    try {
      const r = await run('web');
      expect(r.outcome).toBe('failed');
      expect(r.ports[0]).toMatchObject({ ok: false, stage: 'dns' });
      expect(r.ports[0].connect).toBeUndefined();
      expect(r.ports[0].detail).toMatch(/bad address 'onprem-server\.internal\.net'/);
    } finally {
      await dns.recordSets.createOrUpdate(IDS.hubRg, 'internal.net', 'A', 'onprem-server', { ttl: rec.ttl, aRecords: rec.aRecords, metadata: rec.metadata });
    }
  });

  it('the zone not linked to the probe VNet: the dns stage failed', async () => {
    const dns = s.emu.privateDns(IDS.hubSub);
    const link = await dns.virtualNetworkLinks.get(IDS.hubRg, 'internal.net', 'link-spoke');
    await dns.virtualNetworkLinks.beginDeleteAndWait(IDS.hubRg, 'internal.net', 'link-spoke');
    try {
      const r = await run('web');
      expect(r.ports[0]).toMatchObject({ ok: false, stage: 'dns' });
    } finally {
      await dns.virtualNetworkLinks.beginCreateOrUpdateAndWait(IDS.hubRg, 'internal.net', 'link-spoke', { location: 'global', virtualNetwork: link.virtualNetwork, registrationEnabled: false });
    }
    expect((await run('web')).outcome).toBe('ok');
  });

  it('the probe VNet has custom DNS servers (a resolver in the hub) and the zone is linked to the hub only: dnsConfig names them and the name resolves', async () => {
    const dns = s.emu.privateDns(IDS.hubSub);
    const spokeNet = s.emu.network(IDS.consumerSub);
    // The hub's DNS forwarders sit behind an internal load balancer: its frontend address is the resolver.
    let resolver: string | undefined;
    for await (const lb of s.emu.network(IDS.hubSub).loadBalancers.list(IDS.hubRg)) resolver ??= lb.frontendIPConfigurations?.[0]?.privateIPAddress;
    expect(resolver).toMatch(/^10\.0\.1\./);
    const spokeLink = await dns.virtualNetworkLinks.get(IDS.hubRg, 'internal.net', 'link-spoke');
    await dns.virtualNetworkLinks.beginCreateOrUpdateAndWait(IDS.hubRg, 'internal.net', 'link-hub', { location: 'global', virtualNetwork: { id: IDS.hubVnet }, registrationEnabled: false });
    await dns.virtualNetworkLinks.beginDeleteAndWait(IDS.hubRg, 'internal.net', 'link-spoke');
    const vnet = await spokeNet.virtualNetworks.get(IDS.spokeRg, 'vnet-spoke');
    await spokeNet.virtualNetworks.beginCreateOrUpdateAndWait(IDS.spokeRg, 'vnet-spoke', { ...vnet, dhcpOptions: { dnsServers: [resolver!] } });
    await s.emu.control('PUT', '/containerinstance/settings', { runMs: 3000 });
    try {
      const location = await startRun('web');
      const name = await eventually(async () => (await groups())[0], 'group created');
      expect((await s.emu.containers(IDS.consumerSub).containerGroups.get(IDS.spokeRg, name)).dnsConfig).toEqual({ nameServers: [resolver] });
      await s.advance(3);
      const r = await finished(location);
      expect(r).toMatchObject({ outcome: 'ok', host: 'onprem-server.internal.net' });
      expect(r.ports[0]).toMatchObject({ ok: true });
      await noGroupsLeft();
    } finally {
      await s.emu.control('PUT', '/containerinstance/settings', { runMs: 0 });
      const now = await spokeNet.virtualNetworks.get(IDS.spokeRg, 'vnet-spoke');
      await spokeNet.virtualNetworks.beginCreateOrUpdateAndWait(IDS.spokeRg, 'vnet-spoke', { ...now, dhcpOptions: { dnsServers: [] } });
      await dns.virtualNetworkLinks.beginCreateOrUpdateAndWait(IDS.hubRg, 'internal.net', 'link-spoke', { location: 'global', virtualNetwork: spokeLink.virtualNetwork, registrationEnabled: false });
      await dns.virtualNetworkLinks.beginDeleteAndWait(IDS.hubRg, 'internal.net', 'link-hub');
    }
    expect((await run('web')).outcome).toBe('ok');
  });
});

describe('infrastructure', () => {
  it('a probe subnet not delegated: Reachable False with the reason at once, no container group created', async () => {
    await putForward('web', { ...example, probes: [...example.probes, { subnetId: IDS.spokeLinked, every: 'PT5M' }] });
    await s.emu.control('DELETE', '/requests');
    const r = await run('web', IDS.spokeLinked);
    expect(r).toMatchObject({ outcome: 'infrastructure', code: 'SubnetNotDelegated', subnetId: IDS.spokeLinked });
    expect(r.detail).toMatch(/not delegated to Microsoft\.ContainerInstance\/containerGroups/);
    // No container group touched (the probes timer's own sweep may list them meanwhile: every tick).
    expect((await cgRequests()).filter((x) => !(x.method === 'GET' && /\/containerGroups$/i.test(x.path)))).toEqual([]);
    expect(await reachable('web')).toMatchObject({ status: 'False', reason: 'SubnetNotDelegated' });
    // Two probes: the run names one.
    expect((await s.api('POST', '/api/forwards/web/probes/run')).status).toBe(400);
    // The probe removed from the spec: the next tick drops it from status and Reachable follows the probes left.
    await putForward('web', example);
    await timer();
    await eventually(async () => ((await reachable('web'))?.reason !== 'SubnetNotDelegated' ? true : undefined), 'Reachable no longer decided by the removed probe');
    expect((await get('web')).status.probes?.map((p) => p.subnetId)).toEqual([IDS.spokeJump]);
  });

  it('container creation refused (409 quota): infrastructure with the ARM code, one attempt, no retry loop; tried again at the next schedule, not before', async () => {
    const fault = await s.emu.control<{ id: string }>('POST', '/faults', { kind: 'error', status: 409, code: 'ContainerGroupQuotaReached', message: 'quota reached', resourceType: 'Microsoft.ContainerInstance/containerGroups', method: 'PUT', rate: 1 });
    expect(fault.status).toBe(201);
    await s.emu.control('DELETE', '/requests');
    try {
      const r = await run('web');
      expect(r).toMatchObject({ outcome: 'infrastructure', code: 'ContainerGroupQuotaReached' });
      // A minute on the clock: the probes timer ticks (invoked and scheduled) and devhost is idle again.
      await timer();
      await s.advance(60);
      expect((await cgRequests()).filter((x) => x.method === 'PUT')).toHaveLength(1);
      // The next schedule (one `every` later) tries again: one more PUT, the same classified result.
      const before = (await history('web')).length;
      await age('web', IDS.spokeJump, 15);
      await timer();
      const retried = await eventually(async () => {
        const h = await history('web');
        return h.length > before ? h[0] : undefined;
      }, 'the scheduled retry finished');
      expect(retried).toMatchObject({ actor: 'schedule', outcome: 'infrastructure', code: 'ContainerGroupQuotaReached' });
      expect((await cgRequests()).filter((x) => x.method === 'PUT')).toHaveLength(2);
    } finally {
      await s.emu.control('DELETE', `/faults/${fault.body.id}`);
    }
    expect((await run('web')).outcome).toBe('ok');
  });

  it('a group whose deployment fails (long-running operation Failed): infrastructure at once, not a deadline, and the group deleted', async () => {
    const fault = await s.emu.control<{ id: string }>('POST', '/faults', { kind: 'failLro', resourceType: 'Microsoft.ContainerInstance/containerGroups', method: 'PUT', count: 1, code: 'InaccessibleImage', message: 'image pull failed' });
    expect(fault.status).toBe(201);
    try {
      const t0 = Date.now();
      const r = await run('web');
      expect(r.outcome).toBe('infrastructure');
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(r.code).toBe('InaccessibleImage');
      await noGroupsLeft();
    } finally {
      await s.emu.control('DELETE', `/faults/${fault.body.id}`);
    }
  });

  it('an image ACI cannot pull: infrastructure (ImagePullFailed) from the Failed event, long before the deadline, and the group deleted', async () => {
    // ACI keeps retrying for much longer than the run's deadline (10 s here): only the events tell.
    await s.emu.control('PUT', '/containerinstance/settings', { pullGiveUpMs: 600_000 });
    await s.restartDevhost('SIGKILL', { PLF_PROBE_IMAGE: 'mcr.microsoft.com/azurelinux/busybox:0.0.0-missing', PLF_PROBE_DEADLINE_SECONDS: '600' });
    try {
      const r = await run('web');
      expect(r).toMatchObject({ outcome: 'infrastructure', code: 'ImagePullFailed' });
      expect(r.detail).toMatch(/^the probe image could not be pulled: Failed to pull image "mcr\.microsoft\.com\/azurelinux\/busybox:0\.0\.0-missing"/);
      expect(r.ports[0]).toMatchObject({ ok: false, stage: 'infrastructure' });
      await noGroupsLeft();
    } finally {
      await s.emu.control('PUT', '/containerinstance/settings', { pullGiveUpMs: 900_000 });
      await s.restartDevhost('SIGKILL', { PLF_PROBE_IMAGE: undefined, PLF_PROBE_DEADLINE_SECONDS: '10' });
    }
    expect((await run('web')).outcome).toBe('ok');
  });

  it('devhost killed in the middle of a run: after the restart the group is deleted and the run recorded interrupted', async () => {
    // The kill and restart take real time, which the stack's clock counts too: with this file's
    // 10 s deadline a loaded machine let the deadline end the run first (seen: 'deadline'). The
    // run gets a deadline no restart reaches, so only the interruption can end it.
    await s.emu.control('PUT', '/containerinstance/settings', { runMs: 600_000 });
    await s.restartDevhost('SIGKILL', { PLF_PROBE_DEADLINE_SECONDS: '600' });
    try {
      const location = await startRun('web');
      await eventually(async () => ((await groups()).length === 1 ? true : undefined), 'group created');
      await s.restartDevhost('SIGKILL');
      const r = await finished(location);
      expect(r.outcome).toBe('interrupted');
      await noGroupsLeft();
    } finally {
      await s.emu.control('PUT', '/containerinstance/settings', { runMs: 0 });
      await s.restartDevhost('SIGKILL', { PLF_PROBE_DEADLINE_SECONDS: String(DEADLINE_S) });
    }
  });
});

describe('the probes timer', () => {
  it('shows a new probe in the status with its first run one `every` away, before it ever ran; a changed `every` moves it', async () => {
    const spec = { ...example, dns: undefined, probes: [{ subnetId: IDS.spokeJump, every: 'PT30M' }] };
    const put = await s.api('PUT', '/api/forwards/sched', spec);
    expect(put.status).toBe(202);
    await timer();
    const added = (await eventually(() => states().get('sched', probeKey(IDS.spokeJump)), 'the timer recorded the probe')).addedAt;
    const shows = (minutes: number) => {
      const want = JSON.stringify([{ subnetId: IDS.spokeJump, nextRunAt: new Date(Date.parse(added) + minutes * 60_000).toISOString() }]);
      return eventually(async () => (JSON.stringify((await s.api<{ status: { probes?: unknown[] } }>('GET', '/api/forwards/sched')).body.status.probes) === want ? true : undefined), `status.probes ${want}`);
    };
    await shows(30);
    expect(await reachable('sched')).toMatchObject({ status: 'Unknown', reason: 'NoRuns' });
    expect((await s.api('PUT', '/api/forwards/sched', { ...spec, probes: [{ subnetId: IDS.spokeJump, every: 'PT1H' }] })).status).toBe(202);
    await timer();
    await shows(60);
    expect((await s.api('DELETE', '/api/forwards/sched')).status).toBe(202);
  });

  it('starts a probe only once one `every` has passed since its last run (manual runs count), as a scheduled run', async () => {
    await s.emu.control('DELETE', '/requests');
    await timer();
    await s.advance(60);
    expect((await cgRequests()).filter((x) => x.method === 'PUT')).toEqual([]);
    const before = (await history('web')).length;
    await age('web', IDS.spokeJump, 15);
    await timer();
    const r = await eventually(async () => {
      const h = await history('web');
      return h.length > before ? h[0] : undefined;
    }, 'the scheduled run finished');
    expect(r).toMatchObject({ actor: 'schedule', outcome: 'ok', subnetId: IDS.spokeJump });
    const st = await states().get('web', probeKey(IDS.spokeJump));
    expect(st?.lastRunAt).toBe(r.startedAt);
    await noGroupsLeft();
  });

  it('a due probe whose run still goes is skipped, not stacked', async () => {
    await s.emu.control('PUT', '/containerinstance/settings', { runMs: 4000 });
    try {
      const location = await startRun('web');
      await eventually(async () => ((await groups()).length === 1 ? true : undefined), 'group created');
      await s.emu.control('DELETE', '/requests');
      await age('web', IDS.spokeJump, 15);
      await timer();
      await eventually(async () => (s.output().includes('is due but its last run still runs; skipped') ? true : undefined), 'the timer skipped the probe');
      expect((await cgRequests()).filter((x) => x.method === 'PUT')).toEqual([]);
      // Not due any more before the run finishes: else the devhost's own minute tick may start a
      // run as soon as this one is recorded (the aged lastRunAt stays), racing the next tests.
      const aged = (await states().get('web', probeKey(IDS.spokeJump)))!;
      await states().put('web', { ...aged, lastRunAt: new Date(s.now()).toISOString() });
      await s.advance(4);
      expect((await finished(location)).outcome).toBe('ok');
    } finally {
      await s.emu.control('PUT', '/containerinstance/settings', { runMs: 0 });
      // Not due again for the rest of the file.
      const st = (await states().get('web', probeKey(IDS.spokeJump)))!;
      await states().put('web', { ...st, lastRunAt: new Date(s.now()).toISOString() });
    }
  });

  it('the cleanup sweep deletes a probe group of ours whose run is not live, and leaves groups not ours', async () => {
    const cg = s.emu.containers(IDS.consumerSub);
    const body = (tags: Record<string, string>) => ({
      location: IDS.location,
      osType: 'Linux',
      restartPolicy: 'Never',
      subnetIds: [{ id: IDS.spokeJump }],
      tags,
      containers: [{ name: 'p8000', image: 'mcr.microsoft.com/azurelinux/busybox:1.36', command: ['nc', '-z', 'onprem-server.internal.net', '8000'], resources: { requests: { cpu: 0.1, memoryInGB: 0.1 } } }],
    });
    await cg.containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'plfp-web-leftover', body({ 'managed-by': 'plf', 'plf-forward': 'web', 'plf-probe-run': randomUUID(), 'plf-probe': probeKey(IDS.spokeJump) }));
    await cg.containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'someone-elses', body({ owner: 'team-x' }));
    await timer();
    await eventually(async () => ((await groups()).includes('plfp-web-leftover') ? undefined : true), 'leftover deleted');
    expect(await groups()).toEqual(['someone-elses']);
    await cg.containerGroups.beginDeleteAndWait(IDS.spokeRg, 'someone-elses');
  });

  it('a run whose orchestration is gone (terminated mid-run): the timer records it interrupted and the sweep deletes its group', async () => {
    await s.emu.control('PUT', '/containerinstance/settings', { runMs: 600_000 });
    try {
      const location = await startRun('web');
      await eventually(async () => ((await groups()).length === 1 ? true : undefined), 'group created');
      const instance = encodeURIComponent(`probe:web:${probeKey(IDS.spokeJump)}`);
      expect((await s.api('POST', `/runtime/webhooks/durabletask/instances/${instance}/terminate?reason=test`)).status).toBe(202);
      await timer();
      const r = await finished(location);
      expect(r.outcome).toBe('interrupted');
      expect(r.detail).toMatch(/orchestration gone/);
      await noGroupsLeft();
      expect((await states().get('web', probeKey(IDS.spokeJump)))?.running).toBeUndefined();
    } finally {
      await s.emu.control('PUT', '/containerinstance/settings', { runMs: 0 });
    }
  });

  it('a run without a result before its deadline ends as deadline and its group is deleted', async () => {
    await s.emu.control('PUT', '/containerinstance/settings', { runMs: 600_000 });
    try {
      const location = await startRun('web');
      expect((await s.api<{ state: string }>('GET', location)).body.state).toBe('running');
      await s.advance(DEADLINE_S);
      const r = await finished(location);
      expect(r.outcome).toBe('deadline');
      expect(r.ports[0]).toMatchObject({ ok: false, stage: 'infrastructure' });
      await noGroupsLeft();
    } finally {
      await s.emu.control('PUT', '/containerinstance/settings', { runMs: 0 });
    }
  });
});

describe('GET /api/forwards/{name}/probes', () => {
  it('pages newest first with a nextLink, filters by subnet, and refuses a bad query', async () => {
    const all = (await s.api<{ value: RunResult[] }>('GET', '/api/forwards/web/probes?top=200')).body.value;
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.map((r) => r.startedAt)).toEqual([...all.map((r) => r.startedAt)].sort().reverse());
    expect(all.some((r) => r.outcome === 'running')).toBe(false);
    const first = await s.api<{ value: RunResult[]; nextLink?: string }>('GET', '/api/forwards/web/probes?top=2');
    expect(first.body.value.map((r) => r.runId)).toEqual(all.slice(0, 2).map((r) => r.runId));
    expect(first.body.nextLink).toBeDefined();
    const second = await s.api<{ value: RunResult[] }>('GET', first.body.nextLink!);
    expect(second.body.value.map((r) => r.runId)).toEqual(all.slice(2, 4).map((r) => r.runId));
    const linked = await s.api<{ value: RunResult[] }>('GET', `/api/forwards/web/probes?subnetId=${encodeURIComponent(IDS.spokeLinked)}`);
    expect(linked.body.value.length).toBe(1);
    expect(linked.body.value[0]).toMatchObject({ code: 'SubnetNotDelegated' });
    const bad = await s.api<{ problems: { path: string }[] }>('GET', '/api/forwards/web/probes?top=0&subnetId=x');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.problems.map((p) => p.path)).toEqual(['top', 'subnetId']);
    expect((await s.api('GET', '/api/forwards/nope/probes')).status).toBe(404);
  });

  it('POST .../probes/run and GET .../probes/runs/{runId} refuse what they cannot serve', async () => {
    expect((await s.api('POST', '/api/forwards/nope/probes/run')).status).toBe(404);
    const notAProbe = await s.api<{ problems: { path: string }[] }>('POST', `/api/forwards/web/probes/run?subnetId=${encodeURIComponent(IDS.spokeLinked)}`);
    expect(notAProbe.status).toBe(400);
    expect(notAProbe.body.problems.map((p) => p.path)).toEqual(['subnetId']);
    expect((await s.api('POST', '/api/forwards/web/probes/run?subnetId=x')).status).toBe(400);
    expect((await s.api('GET', '/api/forwards/web/probes/runs/not-a-guid')).status).toBe(400);
    expect((await s.api('GET', `/api/forwards/web/probes/runs/${randomUUID()}`)).status).toBe(404);
  });
});
