import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseForwardSpec } from '../../core/forward-spec';
import { ForwardRegistry } from '../../store/forward-registry';
import { IDS } from '../emulator/helpers/emulator';
import { eventually, ROOT, startStack, type Stack } from './helpers/stack';

/**
 * The first vertical slice through the HTTP API: devhost running the compiled app, Azurite, and
 * the emulator with the real Azure SDK clients. A forward goes Ready with its alias and nodes, the
 * simulated data path reaches a target through it, an identical re-PUT costs reads only, a target
 * change rolls nodes one at a time, a delete leaves nothing tagged, faults are survived or shown.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown>;

interface ForwardBody {
  name: string;
  generation: number;
  updatedAt: string;
  status: { phase: string; observedGeneration: number; privateLinkServiceAlias?: string; frontendIp?: string; nodes: { instanceId: string; ip?: string; health: string; latestModelApplied?: boolean }[]; error?: { code: string; message: string }; conditions: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[] };
}
type RequestEntry = { method: string; path: string; kind: string; status: number };

const get = (name: string) => s.api<ForwardBody>('GET', `/api/forwards/${name}`);
const ready = (name: string, generation = 1) =>
  eventually(async () => {
    const r = await get(name);
    return r.status === 200 && r.body.status.observedGeneration >= generation && ['Ready', 'Degraded'].includes(r.body.status.phase) ? r.body : undefined;
  }, `${name} Ready at generation ${generation}`);
const requests = async () => (await s.emu.control<{ value: RequestEntry[] }>('GET', '/requests')).body.value;

beforeAll(async () => {
  s = await startStack();
}, 90_000);
afterAll(() => s?.stop());

describe('create', () => {
  it('PUT answers 202 with Location; the forward reaches Ready with alias, frontend IP and healthy nodes', async () => {
    const put = await s.api<ForwardBody>('PUT', '/api/forwards/web', example);
    expect(put.status).toBe(202);
    expect(put.headers.get('location')).toBe('/api/forwards/web');
    expect(put.body.generation).toBe(1);
    const body = await ready('web');
    expect(body.status.phase).toBe('Ready');
    expect(body.status.privateLinkServiceAlias).toMatch(/^plf-web-pls\.[0-9a-f-]{36}\.westeurope\.azure\.privatelinkservice$/);
    expect(body.status.frontendIp).toMatch(/^10\.0\.1\.\d+$/);
    expect(body.status.nodes).toHaveLength(2);
    expect(body.status.nodes.every((n) => n.health === 'healthy' && n.ip)).toBe(true);
  });

  it('without PLF_NODE_SSH_PUBLIC_KEY the nodes get the forward\'s own generated key (VMSS-1), kept with the forward', async () => {
    const vmss = await s.emu.compute().virtualMachineScaleSets.get(IDS.hubRg, 'plf-web-vmss');
    const keys = vmss.virtualMachineProfile?.osProfile?.linuxConfiguration?.ssh?.publicKeys?.map((k) => k.keyData) ?? [];
    expect(keys).toEqual([expect.stringMatching(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ plf-web$/)]);
    expect(vmss.orchestrationMode).toBe('Uniform');
    expect((await new ForwardRegistry(s.azurite.connectionString).get('web'))?.nodeSshPublicKey).toBe(keys[0]);
  });

  it('the simulated data path from the hub subnet to the frontend reaches a target on every port', async () => {
    const body = (await get('web')).body;
    const v = await s.emu.control<{ reachable: boolean; reason?: string; target?: string }>('POST', '/datapath', { fromSubnetId: IDS.hubShared, host: body.status.frontendIp, port: 8000 });
    expect(v.body.reason).toBeUndefined();
    expect(v.body.reachable).toBe(true);
    expect(v.body.target).toMatch(/^192\.168\.42\.6[56]:8000$/);
  });

  it('the PLS is visible to the allowed consumer subscription, without platform auto-approval, tagged as ours', async () => {
    const pls = await s.emu.network().privateLinkServices.get(IDS.hubRg, 'plf-web-pls');
    expect(pls.visibility?.subscriptions).toEqual([IDS.consumerSub]);
    expect(pls.autoApproval?.subscriptions ?? []).toEqual([]);
    expect(pls.enableProxyProtocol).toBe(false);
    expect(pls.tags).toMatchObject({ 'plf-forward': 'web', 'managed-by': 'plf' });
  });
});

describe('no-op and change', () => {
  it('an identical re-PUT answers 200 without a new generation and the pass that follows writes nothing to Azure', async () => {
    const before = (await get('web')).body;
    await s.emu.control('DELETE', '/requests');
    const put = await s.api<ForwardBody>('PUT', '/api/forwards/web', example);
    expect(put.status).toBe(200);
    expect(put.body.generation).toBe(1);
    // The signalled pass ends by rewriting status: wait for it, then count ARM writes.
    await eventually(async () => ((await get('web')).body.updatedAt !== before.updatedAt ? true : undefined), 'a reconcile pass');
    const log = await requests();
    expect(log.filter((r) => r.kind !== 'read')).toEqual([]);
    expect(log.length).toBeGreaterThan(0);
  });

  it('If-Match with a stale ETag is 412; with the current one the write goes through', async () => {
    const current = await get('web');
    const stale = await s.api('PUT', '/api/forwards/web', { ...example, targets: ['192.168.42.66'] }, { 'If-Match': '"stale"' });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect(current.headers.get('etag')).toBeTruthy();
  });

  it('changing the targets updates the scale set model and rolls the nodes one at a time: each node then RUNS the new config', async () => {
    await s.emu.control('DELETE', '/requests');
    const current = await get('web');
    const configTag = async () => String((await s.emu.compute().virtualMachineScaleSets.get(IDS.hubRg, 'plf-web-vmss')).tags?.['plf-config']);
    const before = await configTag();
    const put = await s.api<ForwardBody>('PUT', '/api/forwards/web', { ...example, targets: ['192.168.42.66'] }, { 'If-Match': current.headers.get('etag')! });
    expect([put.status, put.body.generation]).toEqual([202, 2]);
    const body = await ready('web', 2);
    expect(body.status.nodes.every((n) => n.latestModelApplied)).toBe(true);
    // latestModelApplied alone proves nothing (an upgrade does not rerun cloud-init, VMSS-2): every
    // node must run the new customData, whose SHA-256 the `plf-config` tag begins with.
    const after = await configTag();
    expect(after).not.toBe(before);
    const nodes = (await s.emu.control<{ value: { id: string; appliedConfigSha256: string | null }[] }>('GET', '/nodes')).body.value.filter((n) => /\/plf-web-vmss\//i.test(n.id));
    expect(nodes).toHaveLength(2);
    expect(nodes.map((n) => n.appliedConfigSha256?.slice(0, 16))).toEqual([after, after]);
    const log = await requests();
    const vmssPut = log.filter((r) => r.method === 'PUT' && /virtualMachineScaleSets\/plf-web-vmss$/i.test(r.path));
    const upgrades = log.filter((r) => r.method === 'POST' && /manualupgrade$/i.test(r.path));
    const reimages = log.filter((r) => r.method === 'POST' && /plf-web-vmss\/reimage$/i.test(r.path));
    expect(vmssPut).toHaveLength(1);
    // Per node an upgrade then a reimage, each node started only after the previous one was back.
    expect(upgrades).toHaveLength(2);
    expect(reimages).toHaveLength(2);
    const order = log.filter((r) => upgrades.includes(r) || reimages.includes(r)).map((r) => (upgrades.includes(r) ? 'upgrade' : 'reimage'));
    expect(order).toEqual(['upgrade', 'reimage', 'upgrade', 'reimage']);
    const between = log.slice(log.indexOf(reimages[0]) + 1, log.indexOf(upgrades[1]));
    expect(between.some((r) => /virtualMachines$/i.test(r.path) && r.method === 'GET')).toBe(true);
    // The generated SSH key did not change: the model change was the customData alone.
    expect((await new ForwardRegistry(s.azurite.connectionString).get('web'))?.nodeSshPublicKey).toMatch(/ plf-web$/);
    // The LB was not rewritten: the ports did not change.
    expect(log.filter((r) => r.method === 'PUT' && /loadBalancers/i.test(r.path))).toEqual([]);
  });
  it('removing a zone is a 400 naming nodes.zones and what to do instead; nothing is written', async () => {
    const before = (await get('web')).body;
    const r = await s.api<{ title: string; problems: { path: string; message: string; in: string }[] }>('PUT', '/api/forwards/web', { ...example, targets: ['192.168.42.66'], nodes: { ...(example.nodes as object), zones: ['1', '2'] } });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.problems).toEqual([{ path: 'nodes.zones', in: 'body', message: expect.stringMatching(/cannot remove zone\(s\) "3".*delete the forward and create it again/) }]);
    expect((await get('web')).body.generation).toBe(before.generation);
  });

  it('a pass that finds an operation not its own still running on the LB waits for it before going on, and writes nothing', async () => {
    const spec = { ...example, targets: ['192.168.42.66'] };
    const { lroDelayMs } = (await s.emu.control<{ lroDelayMs: number }>('PUT', '/settings', {})).body;
    const net = s.emu.network();
    try {
      // Someone else rewrites the LB as it is; its operation runs until settled below.
      await s.emu.control('PUT', '/settings', { lroDelayMs: 600_000 });
      await net.loadBalancers.beginCreateOrUpdate(IDS.hubRg, 'plf-web-lb', await net.loadBalancers.get(IDS.hubRg, 'plf-web-lb'));
      expect((await net.loadBalancers.get(IDS.hubRg, 'plf-web-lb')).provisioningState).toBe('Updating');
      const before = (await get('web')).body;
      await s.emu.control('DELETE', '/requests');
      expect((await s.api<ForwardBody>('PUT', '/api/forwards/web', spec)).body.generation).toBe(2);
      const lbPolls = async () => (await requests()).filter((r) => r.method === 'GET' && /loadBalancers\/plf-web-lb$/i.test(r.path)).length;
      await eventually(async () => ((await lbPolls()) >= 3 ? true : undefined), 'the pass polling the LB');
      // Still waiting: the pass has not reached the scale set nor finished generation 2. (Not
      // updatedAt: other flows' status sections, e.g. the health watch, may write it meanwhile.)
      expect((await get('web')).body.status.observedGeneration).toBe(before.status.observedGeneration);
      expect((await requests()).some((r) => /virtualMachineScaleSets/i.test(r.path))).toBe(false);
      await s.emu.control('POST', '/operations/settle');
      await eventually(async () => ((await get('web')).body.status.observedGeneration === 2 ? true : undefined), 'the pass to finish generation 2');
      expect((await get('web')).body.status.phase).toBe('Ready');
      expect((await requests()).filter((r) => r.kind !== 'read')).toEqual([]);
    } finally {
      await s.emu.control('PUT', '/settings', { lroDelayMs });
      await s.emu.control('POST', '/operations/settle');
    }
  });
});

describe('a scale set being deleted', () => {
  it('is waited for and never written (Azure refuses, VMSS-3); once gone the pass creates it anew', async () => {
    const lroDelayMs = (await s.emu.control<{ lroDelayMs: number }>('GET', '/settings')).body.lroDelayMs;
    await s.emu.control('PUT', '/settings', { lroDelayMs: 60_000 });
    try {
      // A delete not ours (an operator in the portal), still running.
      await s.emu.compute().virtualMachineScaleSets.beginDelete(IDS.hubRg, 'plf-web-vmss');
      await s.emu.control('DELETE', '/requests');
      const put = await s.api<ForwardBody>('PUT', '/api/forwards/web', { ...example, targets: ['192.168.42.65', '192.168.42.66'] });
      expect(put.status).toBe(202);
      const vmssGets = async () => (await requests()).filter((r) => r.method === 'GET' && /virtualMachineScaleSets\/plf-web-vmss$/i.test(r.path)).length;
      await eventually(async () => ((await vmssGets()) >= 3 ? true : undefined), 'the pass polling the deleting scale set');
      expect((await requests()).filter((r) => r.method !== 'GET' && /virtualMachineScaleSets\/plf-web-vmss/i.test(r.path))).toEqual([]);
      await s.emu.control('PUT', '/settings', { lroDelayMs });
      await s.emu.control('POST', '/operations/settle');
      const body = await ready('web', put.body.generation);
      expect(body.status.nodes).toHaveLength(2);
      const writes = (await requests()).filter((r) => r.method === 'PUT' && /virtualMachineScaleSets\/plf-web-vmss$/i.test(r.path));
      expect(writes.map((r) => r.status)).toEqual([201]);
      expect((await requests()).filter((r) => r.status === 409)).toEqual([]);
    } finally {
      await s.emu.control('PUT', '/settings', { lroDelayMs });
      await s.emu.control('POST', '/operations/settle');
    }
  });
});

describe('bad input', () => {
  it.each([
    ['an invalid spec lists every problem with its path', '/api/forwards/web2', { ports: [{ port: 0 }], targets: ['127.0.0.1'] }, 400, ['ports[0].port', 'targets[0]']],
    ['a name no Azure resource accepts', '/api/forwards/Bad_Name', example, 400, ['name']],
    ['a body that is not JSON', '/api/forwards/web3', '{not json', 400, []],
  ])('%s', async (_s, p, body, status, paths) => {
    const r = await s.api<{ title: string; problems?: { path: string }[] }>('PUT', p, body);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect((r.body.problems ?? []).map((x) => x.path)).toEqual(expect.arrayContaining(paths as string[]));
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.js:\d+/);
  });

  it('an unknown forward is 404 for GET and DELETE', async () => {
    expect((await get('nope')).status).toBe(404);
    expect((await s.api('DELETE', '/api/forwards/nope')).status).toBe(404);
  });

  it('the list shows every forward with its phase; the OpenAPI document describes the API', async () => {
    const list = await s.api<{ value: { name: string; phase: string }[] }>('GET', '/api/forwards');
    expect(list.body.value).toContainEqual(expect.objectContaining({ name: 'web', phase: 'Ready' }));
    const doc = await s.api<{ openapi: string; servers: { url: string }[]; paths: Record<string, unknown> }>('GET', '/api/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.servers).toEqual([{ url: '/api' }]);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/forwards', '/forwards/{name}']));
  });
});

describe('faults', () => {
  it('20% injected transient faults (500 and 429 with Retry-After): the forward still converges', async () => {
    await s.emu.control('POST', '/faults', { kind: 'error', status: 500, code: 'InternalServerError', rate: 0.2 });
    await s.emu.control('POST', '/faults', { kind: 'throttle', retryAfterSeconds: 0, rate: 0.2 });
    try {
      await s.api('PUT', '/api/forwards/flaky', { ...example, nodes: { count: 1 } });
      const body = await ready('flaky');
      expect(body.status.phase).toBe('Ready');
      const faults = (await s.emu.control<{ value: { fired: number }[] }>('GET', '/faults')).body.value;
      expect(faults.reduce((n, f) => n + f.fired, 0)).toBeGreaterThan(0);
    } finally {
      await s.emu.control('DELETE', '/faults');
    }
  });

  it('a terminal fault shows phase Failed with the ARM code and message', async () => {
    await s.emu.control('POST', '/faults', { kind: 'error', status: 400, code: 'InvalidParameter', message: 'The VM size Standard_B1s is not allowed here.', method: 'PUT', resourceType: 'Microsoft.Compute/virtualMachineScaleSets', rate: 1 });
    try {
      await s.api('PUT', '/api/forwards/broken', { ...example, nodes: { count: 1 } });
      const body = await eventually(async () => {
        const r = await get('broken');
        return r.body.status.phase === 'Failed' ? r.body : undefined;
      }, 'phase Failed');
      expect(body.status.error).toEqual({ code: 'InvalidParameter', message: expect.stringContaining('Standard_B1s is not allowed') });
      expect(body.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidParameter', observedGeneration: 1 }));
      // A generation that never served: Synced False too, with the same code.
      expect(body.status.conditions).toContainEqual(expect.objectContaining({ type: 'Synced', status: 'False', reason: 'InvalidParameter', observedGeneration: 1 }));
    } finally {
      await s.emu.control('DELETE', '/faults');
    }
  });
  it('a drift repair that ARM refuses on a forward that serves: the phase stays Ready, Synced False names the ARM error; the next pass repairs it (Synced True)', async () => {
    await s.api('PUT', '/api/forwards/drifty', { ...example, nodes: { count: 1 } });
    await ready('drifty');
    // Drift: someone adds a tag to the load balancer (tags are a field we own), and ARM refuses our repair.
    const lb = await s.emu.network().loadBalancers.get(IDS.hubRg, 'plf-drifty-lb');
    await s.emu.network().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'plf-drifty-lb', { ...lb, tags: { ...lb.tags, 'added-by-hand': 'yes' } });
    const fault = await s.emu.control<{ id: string }>('POST', '/faults', { kind: 'error', status: 400, code: 'InvalidParameter', message: 'The load balancer cannot be updated now (injected).', method: 'PUT', resourceType: 'Microsoft.Network/loadBalancers', rate: 1 });
    try {
      // An identical PUT wakes the loop: a drift pass of the generation it serves.
      expect((await s.api('PUT', '/api/forwards/drifty', { ...example, nodes: { count: 1 } })).status).toBe(200);
      const body = await eventually(async () => {
        const r = await get('drifty');
        return r.body.status.conditions.some((c) => c.type === 'Synced' && c.status === 'False') ? r.body : undefined;
      }, 'drifty Synced False');
      expect(body.status.phase).toBe('Ready');
      expect(body.status.observedGeneration).toBe(1);
      expect(body.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Reconciled', observedGeneration: 1 }));
      expect(body.status.conditions).toContainEqual(expect.objectContaining({ type: 'Synced', status: 'False', reason: 'InvalidParameter', message: expect.stringContaining('cannot be updated now'), observedGeneration: 1 }));
      expect(body.status.error).toEqual({ code: 'InvalidParameter', message: expect.stringContaining('cannot be updated now') });
    } finally {
      await s.emu.control('DELETE', `/faults/${fault.body.id}`);
    }
    expect((await s.api('PUT', '/api/forwards/drifty', { ...example, nodes: { count: 1 } })).status).toBe(200);
    const repaired = await eventually(async () => {
      const r = await get('drifty');
      return r.body.status.conditions.some((c) => c.type === 'Synced' && c.status === 'True') ? r.body : undefined;
    }, 'drifty Synced True');
    expect([repaired.status.phase, repaired.status.error]).toEqual(['Ready', undefined]);
    expect((await s.emu.network().loadBalancers.get(IDS.hubRg, 'plf-drifty-lb')).tags?.['added-by-hand']).toBeUndefined();
  });

  it('a load balancer whose operation ends Failed is PUT again by the retry, though every field we own matches', async () => {
    await s.emu.control('DELETE', '/requests');
    await s.emu.control('POST', '/faults', { kind: 'failLro', method: 'PUT', resourceType: 'Microsoft.Network/loadBalancers', count: 1, code: 'InternalServerError', message: 'operation lost' });
    try {
      await s.api('PUT', '/api/forwards/lbfail', { ...example, nodes: { count: 1 } });
      await ready('lbfail');
      expect((await s.emu.network().loadBalancers.get(IDS.hubRg, 'plf-lbfail-lb')).provisioningState).toBe('Succeeded');
      // The failed write, then the repair: the operation's code (InternalServerError) is transient,
      // so the orchestration wrote the Failed load balancer again.
      expect((await requests()).filter((r) => r.method === 'PUT' && /loadBalancers\/plf-lbfail-lb$/i.test(r.path))).toHaveLength(2);
    } finally {
      await s.emu.control('DELETE', '/faults');
    }
  });
});

describe("ARM's throttling", () => {
  it("the app's read bucket spent (429 SubscriptionRequestsThrottled with Retry-After): the forward still converges", async () => {
    // ARM's bucket is per principal (the app's bearer token) and subscription; a stricter refill
    // (5 reads/s instead of 25) makes the app meet it while it provisions.
    await s.emu.control('PUT', '/arm-limits', { armThrottle: { reads: 5 } });
    try {
      for (let i = 0; i < 400; i++) {
        const r = await s.emu.raw('GET', `/subscriptions/${IDS.hubSub}/resourceGroups?api-version=2021-04-01`, { token: 'plf-local-emulator' });
        if (r.status === 429) break;
      }
      await s.emu.control('DELETE', '/requests');
      await s.api('PUT', '/api/forwards/throttled', { ...example, nodes: { count: 1 } });
      expect((await ready('throttled')).status.phase).toBe('Ready');
      expect((await requests()).filter((r) => r.status === 429).length).toBeGreaterThan(0);
    } finally {
      await s.emu.control('PUT', '/arm-limits', { armThrottle: { reads: null } });
    }
  });
});

describe('failed long-running operations', () => {
  it.each([
    ['the load balancer (Network operation)', 'lbop', 'Microsoft.Network/loadBalancers', 'InvalidResourceReference', 'Resource /subscriptions/x/subnets/gone referenced by the load balancer was not found (injected).'],
    ['the scale set (Compute operation)', 'vmssop', 'Microsoft.Compute/virtualMachineScaleSets', 'OperationNotAllowed', 'Operation could not be completed as it results in exceeding approved standardBSFamily Cores quota (injected).'],
  ])("%s: the forward's status carries the operation's ARM code and message", async (_what, name, resourceType, code, message) => {
    await s.emu.control('POST', '/faults', { kind: 'failLro', method: 'PUT', resourceType, count: 1, code, message });
    try {
      await s.api('PUT', `/api/forwards/${name}`, { ...example, nodes: { count: 1 } });
      const body = await eventually(async () => {
        const r = await get(name);
        return r.body.status.phase === 'Failed' ? r.body : undefined;
      }, 'phase Failed');
      expect(body.status.error).toEqual({ code, message });
      expect(body.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False', reason: code, message }));
    } finally {
      await s.emu.control('DELETE', '/faults');
    }
  });
});

describe('crash and delete', () => {
  it('devhost SIGKILLed mid-provisioning resumes and converges', async () => {
    await s.emu.control('PUT', '/settings', { lroDelayMs: 1500 });
    try {
      await s.api('PUT', '/api/forwards/crash', { ...example, nodes: { count: 1 } });
      // Kill while the load balancer's long-running PUT is still in flight.
      await eventually(async () => ((await requests()).some((r) => r.method === 'PUT' && /plf-crash-lb$/i.test(r.path)) ? true : undefined), 'the LB write');
      await s.restartDevhost('SIGKILL');
      await s.emu.control('PUT', '/settings', { lroDelayMs: 0 });
      const body = await ready('crash');
      expect(body.status.phase).toBe('Ready');
    } finally {
      await s.emu.control('PUT', '/settings', { lroDelayMs: 0 });
    }
  });

  it('a spec written just before a crash (no orchestration started) is picked up by the sweep', async () => {
    const parsed = parseForwardSpec({ ...example, nodes: { count: 1 } });
    if (!parsed.ok) throw new Error('example invalid');
    await new ForwardRegistry(s.azurite.connectionString).putSpec('orphan', parsed.spec);
    expect((await get('orphan')).body.status.phase).toBe('Provisioning');
    const sweep = await s.api('POST', '/admin/functions/reconcileSweep', { input: '' });
    expect(sweep.status).toBe(202);
    expect((await ready('orphan')).status.phase).toBe('Ready');
  });

  it('a PUT while the teardown runs cancels the deletion: the forward is provisioned again at the new generation, not removed', async () => {
    expect((await s.api('PUT', '/api/forwards/revive', { ...example, nodes: { count: 1 } })).status).toBe(202);
    await ready('revive');
    // Hold the teardown's last delete (the LB) for a while, so the PUT lands mid-teardown.
    const hold = await s.emu.control<{ id: string }>('POST', '/faults', { kind: 'latency', method: 'DELETE', resourceType: 'Microsoft.Network/loadBalancers', latencyMs: 3000, count: 1 });
    await s.emu.control('DELETE', '/requests');
    expect((await s.api('DELETE', '/api/forwards/revive')).status).toBe(202);
    // From the DELETE on, the list shows what GET shows (Deleting), whatever the reconcile recorded last.
    expect((await s.api<{ value: { name: string; phase: string }[] }>('GET', '/api/forwards')).body.value.find((f) => f.name === 'revive')?.phase).toBe('Deleting');
    await eventually(async () => ((await requests()).some((r) => r.method === 'DELETE' && /\/privateLinkServices\/plf-revive-pls$/i.test(r.path)) ? true : undefined), 'the teardown deleting the PLS');
    // The list shows the phase GET shows (Deleting from the DELETE on), not the reconcile's last record.
    const listed = (await s.api<{ value: { name: string; phase: string }[] }>('GET', '/api/forwards')).body.value.find((f) => f.name === 'revive');
    expect(listed?.phase).toBe('Deleting');
    expect((await get('revive')).body.status.phase).toBe('Deleting');
    const put = await s.api<{ generation: number }>('PUT', '/api/forwards/revive', { ...example, nodes: { count: 1 } });
    expect(put.status).toBe(202);
    const back = await ready('revive', put.body.generation);
    expect(back.generation).toBe(put.body.generation);
    expect((await s.emu.network().loadBalancers.get(IDS.hubRg, 'plf-revive-lb')).tags?.['plf-forward']).toBe('revive');
    expect((await s.emu.network().privateLinkServices.get(IDS.hubRg, 'plf-revive-pls')).provisioningState).toBe('Succeeded');
    await s.emu.control('DELETE', `/faults/${hold.body.id}`);
    expect((await s.api('DELETE', '/api/forwards/revive')).status).toBe(202);
    await eventually(async () => ((await get('revive')).status === 404 ? true : undefined), 'revive gone');
  }, 120_000);

  it('DELETE answers 202, tears down in reverse order and leaves nothing tagged with the forward', async () => {
    await s.emu.control('DELETE', '/requests');
    const del = await s.api('DELETE', '/api/forwards/web');
    expect(del.status).toBe(202);
    await eventually(async () => ((await get('web')).status === 404 ? true : undefined), 'the forward gone');
    const state = (await s.emu.control<{ resources: { id: string; body: { tags?: Record<string, string> } }[] }>('GET', '/state')).body;
    expect(state.resources.filter((r) => r.body.tags?.['plf-forward'] === 'web').map((r) => r.id)).toEqual([]);
    const deletes = (await requests()).filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').slice(-2, -1)[0]);
    expect(deletes).toEqual(['privateLinkServices', 'virtualMachineScaleSets', 'loadBalancers']);
  });
});
