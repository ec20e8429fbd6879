import * as path from 'node:path';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { LoadBalancer } from '@azure/arm-network';
import { azureClients, type AzureClients } from '../../azure/client-factory';
import { ETAG_ATTEMPTS } from '../../azure/engine';
import { buildLoadBalancer } from '../../azure/load-balancer/spec';
import { SERVICES } from '../../azure/order';
import { observeWrite, type EnsureContext, type ObservedState, type ResourceService } from '../../azure/resource-service';
import { countRequests } from '../../azure/request-count';
import type { HubPlacement } from '../../core/app-settings';
import { parseForwardSpec, type ForwardSpec } from '../../core/forward-spec';
import { forwardNames, forwardTags } from '../../core/names';
import { appGrants } from '../../tools/devhost/app-grants';
import { IDS, startTestEmulator, type TestEmulator } from '../emulator/helpers/emulator';

/**
 * The one ARM resource engine (azure/engine.ts) through the product's own client factory and the
 * real SDK clients against the strict emulator: observe -> the spec's verdict -> PUT with If-Match
 * on the etag read -> the operation polled to its end; an owned delete. ARM requests are counted
 * per call with the product's own counter (azure/request-count.ts), the emulator's request log
 * shows what ARM answered.
 */
const ROOT = path.resolve(__dirname, '../..');
let t: TestEmulator;
let clients: AzureClients;
beforeAll(async () => {
  t = await startTestEmulator();
  clients = azureClients({ PLF_ARM_ENDPOINT: t.emu.url, PLF_ARM_CA_FILE: t.emu.caFile });
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await t.control('POST', '/reset');
  // The product's clients act as the app's principal: grant it what infra grants.
  for (const g of appGrants(ROOT, { subscriptionId: IDS.hubSub, resourceGroup: IDS.hubRg })) {
    const r = await t.control('PUT', `/role-assignments/${encodeURIComponent(g.name)}`, { scope: g.scope, actions: g.actions });
    if (r.status >= 300) throw new Error(`granting the app ${g.name} failed: ${r.status}`);
  }
});

const placement: HubPlacement = { subscriptionId: IDS.hubSub, resourceGroup: IDS.hubRg, subnetId: IDS.hubShared, location: IDS.location };
const specOf = (ports: number[], consumers: string[] = [IDS.consumerSub]): ForwardSpec => {
  const parsed = parseForwardSpec({ ports: ports.map((port) => ({ port })), targets: ['192.168.42.65'], consumers: { allow: consumers.map((subscriptionId) => ({ subscriptionId })) } });
  if (!parsed.ok) throw new Error('fixture spec invalid');
  return parsed.spec;
};
const ctx = (forward: string, spec = specOf([8000])): EnsureContext => ({ clients, forward, spec, placement, natSubnetPrefix: '10.0.1.0/26', sshPublicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCe plf-test' });
const lb = SERVICES.loadBalancer;
/**
 * ARM requests of a write started through the SDK: arm-network's begin* reads the operation's
 * status once before it answers (operations/loadBalancers.js: `await poller.poll()`), arm-compute
 * 24's only waits until the request is submitted (classic/virtualMachineScaleSets: `submitted()`).
 */
const BEGIN_READS = { loadBalancer: 1, privateLinkService: 1, scaleSet: 0 } as const;
const net = () => t.network(IDS.hubSub);
const lbName = (forward: string) => forwardNames(forward).loadBalancer;

/** What ARM answered since `seq` to requests on the forward's load balancer: "METHOD status". */
async function lbAnswers(forward: string, since: number): Promise<string[]> {
  const r = await t.control<{ value: { seq: number; method: string; path: string; status: number }[] }>('GET', '/requests');
  return r.body.value.filter((e) => e.seq > since && e.path.toLowerCase().endsWith(`/loadbalancers/${lbName(forward)}`)).map((e) => `${e.method} ${e.status}`);
}
const lastSeq = async () => Math.max(0, ...(await t.control<{ value: { seq: number }[] }>('GET', '/requests')).body.value.map((e) => e.seq));

/** Polls `state` (with the write's status URL) until the operation has ended; at most 50 polls. */
async function polled(svc: ResourceService, forward: string, operation?: string): Promise<{ observed: ObservedState; polls: number }> {
  for (let polls = 1; polls <= 50; polls++) {
    const observed = await observeWrite(clients, await svc.state(clients, forward, placement), operation);
    if (observed.state !== 'InProgress') return { observed, polls };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the operation on ${forward} never ended`);
}

/** The forward's load balancer created directly (not through the engine), as read back. */
async function existingLb(forward: string, extra: Partial<LoadBalancer> = {}): Promise<LoadBalancer> {
  return net().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, lbName(forward), { ...buildLoadBalancer(forward, specOf([8000]), placement), ...extra });
}

describe('ensure', () => {
  it('absent -> one GET, one PUT, no If-Match; the operation polled to completion (Succeeded)', async () => {
    const since = await lastSeq();
    const { result, requests } = await countRequests(() => lb.ensure(ctx('e1')));
    expect(result).toMatchObject({ changed: true, inProgress: true });
    expect(result.operation).toMatch(/^https:\/\//);
    expect(requests).toEqual({ reads: 1 + BEGIN_READS.loadBalancer, writes: 1 });
    expect(await lbAnswers('e1', since)).toEqual(['GET 404', 'PUT 201']);
    const { observed } = await polled(lb, 'e1', result.operation);
    expect(observed).toEqual({ state: 'Succeeded' });
  });

  it('same -> one GET, no write, nothing to poll', async () => {
    await existingLb('e2');
    const since = await lastSeq();
    const { result, requests } = await countRequests(() => lb.ensure(ctx('e2')));
    expect(result).toEqual({ id: lb.id('e2', placement), changed: false, inProgress: false });
    expect(requests).toEqual({ reads: 1, writes: 0 });
    expect(await lbAnswers('e2', since)).toEqual(['GET 200']);
  });

  it('drift -> PUT with If-Match on the etag read (a stale etag would be refused: ARM-6)', async () => {
    const before = await existingLb('e3');
    const sent: (string | undefined)[] = [];
    const spy: PipelinePolicy = { name: 'testIfMatch', sendRequest: (req, next) => (req.method === 'PUT' && sent.push(req.headers.get('if-match')), next(req)) };
    clients.network(IDS.hubSub).pipeline.addPolicy(spy);
    try {
      const { result, requests } = await countRequests(() => lb.ensure(ctx('e3', specOf([8000, 9000]))));
      expect(result.changed).toBe(true);
      expect(requests).toEqual({ reads: 1 + BEGIN_READS.loadBalancer, writes: 1 });
    } finally {
      clients.network(IDS.hubSub).pipeline.removePolicy({ name: 'testIfMatch' });
    }
    expect(sent).toEqual([before.etag]);
    await polled(lb, 'e3');
    const after = await net().loadBalancers.get(IDS.hubRg, lbName('e3'));
    expect(after.probes?.map((p) => p.port).sort()).toEqual([8000, 9000]);
  });

  it('drift, and another writer between our GET and our PUT: 412, observed again, written with the new etag', async () => {
    await existingLb('e4');
    // The other writer: right after our GET is answered, it changes the load balancer (new etag).
    let raced = false;
    const race: PipelinePolicy = {
      name: 'testRace',
      async sendRequest(req, next) {
        const res = await next(req);
        if (!raced && req.method === 'GET' && req.url.toLowerCase().includes(`/loadbalancers/${lbName('e4')}?`)) {
          raced = true;
          await net().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, lbName('e4'), { ...buildLoadBalancer('e4', specOf([8000]), placement), tags: { ...forwardTags('e4'), other: 'writer' } });
        }
        return res;
      },
    };
    clients.network(IDS.hubSub).pipeline.addPolicy(race);
    const since = await lastSeq();
    try {
      const { result, requests } = await countRequests(() => lb.ensure(ctx('e4', specOf([8000, 9000]))));
      expect(result.changed).toBe(true);
      expect(requests).toEqual({ reads: 2 + BEGIN_READS.loadBalancer, writes: 2 });
    } finally {
      clients.network(IDS.hubSub).pipeline.removePolicy({ name: 'testRace' });
    }
    // Ours: GET; the other writer's PUT and its poller's final GET; ours: PUT refused, GET again, PUT.
    expect(await lbAnswers('e4', since)).toEqual(['GET 200', 'PUT 200', 'GET 200', 'PUT 412', 'GET 200', 'PUT 200']);
    await polled(lb, 'e4');
    const after = await net().loadBalancers.get(IDS.hubRg, lbName('e4'));
    // Decided on what the other writer left: its extra tag is not ours (our tags are written), our ports are.
    expect(after.tags).toEqual(forwardTags('e4'));
    expect(after.probes?.map((p) => p.port).sort()).toEqual([8000, 9000]);
  });

  it(`a writer that wins every race: after ${ETAG_ATTEMPTS} refusals the 412 is thrown (retryable: azure/errors.ts)`, async () => {
    await existingLb('e5');
    let n = 0;
    const race: PipelinePolicy = {
      name: 'testRaceAlways',
      async sendRequest(req, next) {
        const res = await next(req);
        if (req.method === 'GET' && req.url.toLowerCase().includes(`/loadbalancers/${lbName('e5')}?`)) {
          await net().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, lbName('e5'), { ...buildLoadBalancer('e5', specOf([8000]), placement), tags: { ...forwardTags('e5'), other: String(++n) } });
        }
        return res;
      },
    };
    clients.network(IDS.hubSub).pipeline.addPolicy(race);
    try {
      await expect(lb.ensure(ctx('e5', specOf([8000, 9000])))).rejects.toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    } finally {
      clients.network(IDS.hubSub).pipeline.removePolicy({ name: 'testRaceAlways' });
    }
    expect(n).toBe(ETAG_ATTEMPTS);
  });

  it('the write\'s operation fails: polled to Failed with ARM\'s code and message', async () => {
    await t.control('POST', '/faults', { kind: 'failLro', method: 'PUT', resourceType: 'Microsoft.Network/loadBalancers', count: 1, code: 'InvalidResourceReference', message: 'injected' });
    const r = await lb.ensure(ctx('e6'));
    const { observed } = await polled(lb, 'e6', r.operation);
    expect(observed).toEqual({ state: 'Failed', error: { code: 'InvalidResourceReference', message: 'injected', retryable: false } });
  });

  it('each kind, in ensure order: absent -> written and Succeeded, then the same again -> no write', async () => {
    for (const kind of ['loadBalancer', 'scaleSet', 'privateLinkService'] as const) {
      const svc = SERVICES[kind];
      const first = await countRequests(() => svc.ensure(ctx('e7')));
      expect([kind, first.result.changed, first.requests]).toEqual([kind, true, { reads: 1 + BEGIN_READS[kind], writes: 1 }]);
      expect([kind, (await polled(svc, 'e7', first.result.operation)).observed]).toEqual([kind, { state: 'Succeeded' }]);
      const again = await countRequests(() => svc.ensure(ctx('e7')));
      expect([kind, again.result.changed, again.requests]).toEqual([kind, false, { reads: 1, writes: 0 }]);
    }
  });

  it('each kind, drifted: the PUT carries If-Match = the etag read (Network: a custom header; Compute: its ifMatch parameter)', async () => {
    const sent: string[] = [];
    const spy: PipelinePolicy = { name: 'testIfMatch', sendRequest: (req, next) => (req.method === 'PUT' && sent.push(`${req.url.split('?')[0].split('/').slice(-2, -1)[0]} ${req.headers.get('if-match') ?? '-'}`), next(req)) };
    const pipelines = [clients.network(IDS.hubSub).pipeline, clients.compute(IDS.hubSub).pipeline];
    const expected: string[] = [];
    for (const kind of ['loadBalancer', 'scaleSet', 'privateLinkService'] as const) {
      const svc = SERVICES[kind];
      await polled(svc, 'e8', (await svc.ensure(ctx('e8'))).operation);
    }
    for (const p of pipelines) p.addPolicy(spy);
    try {
      for (const kind of ['loadBalancer', 'scaleSet', 'privateLinkService'] as const) {
        const svc = SERVICES[kind];
        const read = kind === 'scaleSet' ? await t.compute(IDS.hubSub).virtualMachineScaleSets.get(IDS.hubRg, forwardNames('e8').scaleSet) : kind === 'loadBalancer' ? await net().loadBalancers.get(IDS.hubRg, lbName('e8')) : await net().privateLinkServices.get(IDS.hubRg, forwardNames('e8').privateLinkService);
        expected.push(`${kind === 'scaleSet' ? 'virtualMachineScaleSets' : kind === 'loadBalancer' ? 'loadBalancers' : 'privateLinkServices'} ${read.etag}`);
        const r = await svc.ensure(ctx('e8', specOf([8000, 9000], [IDS.consumerSub, IDS.consumer2Sub])));
        expect([kind, r.changed]).toEqual([kind, true]);
        await polled(svc, 'e8', r.operation);
      }
    } finally {
      for (const p of pipelines) p.removePolicy({ name: 'testIfMatch' });
    }
    expect(sent).toEqual(expected);
    expect(expected.every((e) => !e.endsWith(' undefined'))).toBe(true);
  });
});

describe('remove', () => {
  it.each([
    { situation: 'ours -> one GET, one DELETE: deleting, then gone', forward: 'r1', owned: true, exists: true, answers: ['deleting', 'gone'], requests: { reads: 1 + BEGIN_READS.loadBalancer, writes: 1 } },
    { situation: 'foreign (untagged) -> not deleted', forward: 'r2', owned: false, exists: true, answers: ['not-ours', 'not-ours'], requests: { reads: 1, writes: 0 } },
    { situation: 'not found -> done, one GET', forward: 'r3', owned: true, exists: false, answers: ['gone', 'gone'], requests: { reads: 1, writes: 0 } },
  ])('$situation', async ({ forward, owned, exists, answers, requests }) => {
    if (exists) await existingLb(forward, owned ? {} : { tags: { team: 'someone-else' } });
    const first = await countRequests(() => lb.remove(clients, forward, placement));
    expect(first.requests).toEqual(requests);
    // Deleting: polled until the load balancer is gone (Absent).
    if (first.result === 'deleting') expect((await polled(lb, forward)).observed).toEqual({ state: 'Absent' });
    expect([first.result, await lb.remove(clients, forward, placement)]).toEqual(answers);
    if (!owned) expect((await net().loadBalancers.get(IDS.hubRg, lbName(forward))).tags).toEqual({ team: 'someone-else' });
  });
});
