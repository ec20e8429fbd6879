import * as fs from 'node:fs';
import * as path from 'node:path';
import { IDS } from '../emulator/helpers/emulator';
import { checkedFetch } from '../helpers/openapi-check';
import { eventually, putForwardReady, ROOT, startStack, type Stack } from './helpers/stack';

/**
 * The connections flow end to end (devhost + Azurite + emulator, real SDK clients): private
 * endpoints approved by policy when Event Grid reports them, private DNS A records that follow
 * the endpoints, conflicts shown, nothing wrong done on duplicated, reordered, lost or forged events.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as { consumers: Record<string, unknown>; dns: Record<string, unknown> } & Record<string, unknown>;

interface Conn { name: string; privateEndpointId: string; state: string; decision: string; reason: string; problem?: string; dns?: { fqdn: string; ip?: string; state: string; message?: string }[] }
interface ForwardBody { generation: number; status: { phase: string; observedGeneration: number; conditions: { type: string; status: string; reason: string; message: string }[]; connections?: Conn[]; resources: { privateLinkServiceId?: string } } }
interface Action { time: string; actor: string; action: string; target: string; reason: string }
type RequestEntry = { method: string; path: string; kind: string; status: number };

const get = async (name: string) => (await s.api<ForwardBody>('GET', `/api/forwards/${name}`)).body;
const plsId = (forward: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/plf-${forward}-pls`;
const peId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${name}`;
interface Spoke { sub: string; rg: string; subnet: string; jump: string }
const SPOKE: Spoke = { sub: IDS.consumerSub, rg: IDS.spokeRg, subnet: IDS.spokeLinked, jump: IDS.spokeJump };
const SPOKE2: Spoke = { sub: IDS.consumer2Sub, rg: IDS.spoke2Rg, subnet: IDS.spoke2Linked, jump: IDS.spoke2Jump };

async function createEndpoint(where: Spoke, name: string, forward: string): Promise<{ status: number; body: unknown }> {
  return s.emu.control('POST', '/consumer-endpoints', { subnetId: where.subnet, name, privateLinkServiceId: plsId(forward) });
}
async function deleteEndpoint(where: Spoke, name: string): Promise<void> {
  await s.emu.network(where.sub).privateEndpoints.beginDeleteAndWait(where.rg, name);
}
const connOf = (body: ForwardBody, endpoint: string) => body.status.connections?.find((c) => c.privateEndpointId.toLowerCase().endsWith(`/${endpoint}`.toLowerCase()));
const condition = (body: ForwardBody, type: string) => body.status.conditions.find((c) => c.type === type);
async function connection(forward: string, endpoint: string, until: (c: Conn) => boolean, what: string, timeoutMs?: number): Promise<Conn> {
  return eventually(async () => {
    const c = connOf(await get(forward), endpoint);
    return c && until(c) ? c : undefined;
  }, `${forward}/${endpoint}: ${what}`, timeoutMs);
}
async function record(zone: string, name: string) {
  return s.emu.privateDns(IDS.hubSub).recordSets.get(IDS.hubRg, zone, 'A', name).catch((e: { statusCode?: number }) => (e.statusCode === 404 ? undefined : Promise.reject(e)));
}
async function nicIp(where: Spoke, endpoint: string): Promise<string> {
  const pe = await s.emu.network(where.sub).privateEndpoints.get(where.rg, endpoint);
  const nicName = pe.networkInterfaces![0].id!.split('/').pop()!;
  return (await s.emu.network(where.sub).networkInterfaces.get(where.rg, nicName)).ipConfigurations![0].privateIPAddress!;
}
async function actions(forward: string): Promise<Action[]> {
  return (await s.api<{ value: Action[] }>('GET', `/api/forwards/${forward}/actions?top=200`)).body.value;
}
const putForward = (name: string, body: unknown) => putForwardReady(s, name, body);
const requests = async () => (await s.emu.control<{ value: RequestEntry[] }>('GET', '/requests')).body.value;
const sweep = () => s.api('POST', '/admin/functions/connectionsSweep', {});

beforeAll(async () => {
  s = await startStack({ PLF_CONNECTIONS_LINGER_SECONDS: '5' });
  await putForward('web', example);
}, 120_000);
afterAll(() => s?.stop());

describe('an allowed consumer', () => {
  it('its endpoint is Approved, the A record holds the endpoint NIC IP, and the spoke reaches a target by that name', async () => {
    expect((await createEndpoint(SPOKE, 'pe-web-1', 'web')).status).toBeLessThan(300);
    const c = await connection('web', 'pe-web-1', (x) => x.state === 'Approved' && x.dns?.[0]?.state === 'written', 'Approved and named');
    const ip = await nicIp(SPOKE, 'pe-web-1');
    expect(['approve', 'keep']).toContain(c.decision);
    expect(c.reason).toMatch(/allowed by consumers\.allow\[0\]/);
    expect(c.dns).toEqual([expect.objectContaining({ fqdn: 'onprem-server.internal.net', ip, state: 'written' })]);
    const rec = await record('internal.net', 'onprem-server');
    expect(rec?.aRecords).toEqual([{ ipv4Address: ip }]);
    expect(rec?.ttl).toBe(300);
    expect(rec?.metadata).toMatchObject({ plfForward: 'web', managedBy: 'plf' });
    const conn = (await s.emu.network(IDS.hubSub).privateLinkServices.getPrivateEndpointConnection(IDS.hubRg, 'plf-web-pls', c.name));
    expect(conn.privateLinkServiceConnectionState?.description).toMatch(/^plf approved: allowed by consumers\.allow\[0\]/);
    expect(conn.privateLinkServiceConnectionState!.description!.length).toBeLessThanOrEqual(140);
    const v = await s.emu.control<{ reachable: boolean; reason?: string }>('POST', '/datapath', { fromSubnetId: SPOKE.jump, host: 'onprem-server.internal.net', port: 8000 });
    expect(v.body.reason).toBeUndefined();
    expect(v.body.reachable).toBe(true);
    const log = await actions('web');
    expect(log.map((a) => a.action)).toEqual(expect.arrayContaining(['approve', 'dns-write']));
    expect(log.find((a) => a.action === 'approve')).toMatchObject({ actor: 'event', target: c.name });
    // The pass's structured line: forward, orchestration, ARM requests (what operators query).
    const passLine = s.output().split('\n').map((l) => /\{"event":"plf\.step".*\}/.exec(l)?.[0]).filter((x): x is string => !!x).map((x) => JSON.parse(x) as Record<string, unknown>).find((x) => x.activity === 'connectionsPass' && x.forward === 'web' && (x.armWrites as number) > 0);
    expect(passLine).toMatchObject({ orchestrationId: 'connections:web', outcome: 'ok' });
    expect(passLine!.armReads as number).toBeGreaterThan(0);
    const body = await get('web');
    expect(condition(body, 'ConnectionsReconciled')).toMatchObject({ status: 'True' });
    expect(condition(body, 'DnsRecordsReady')).toMatchObject({ status: 'True', reason: 'RecordsWritten' });
  });

  it('an idle sweep pass costs one list call per forward and writes nothing', async () => {
    await s.emu.control('DELETE', '/requests');
    const from = s.output().length;
    await sweep();
    // The pass's own structured line says it finished (with what it did): every request of it is in the log by then.
    const passEnded = () => s.output().slice(from).split('\n').map((l) => /\{"event":"plf\.step".*\}/.exec(l)?.[0]).filter((x): x is string => !!x).map((x) => JSON.parse(x) as Record<string, unknown>).find((x) => x.activity === 'connectionsPass' && x.forward === 'web');
    expect(await eventually(async () => passEnded(), 'the sweep pass of web to finish')).toMatchObject({ outcome: 'ok', armWrites: 0 });
    const log = await requests();
    expect(log.filter((r) => r.kind !== 'read')).toEqual([]);
    expect(log.filter((r) => /privateEndpointConnections$/i.test(r.path))).toHaveLength(1);
    expect(log).toHaveLength(1);
  });
});

describe('a consumer outside the allow list', () => {
  it('that cannot see the service: its endpoint creation is refused', async () => {
    const r = await createEndpoint(SPOKE2, 'pe-foreign-0', 'web');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/NotVisible/);
  });

  it('that can see it (visibleTo): stays Pending with the reason, gets no record', async () => {
    await putForward('web', { ...example, consumers: { ...example.consumers, visibleTo: [IDS.consumerSub, IDS.consumer2Sub] } });
    await eventually(async () => ((await s.emu.network().privateLinkServices.get(IDS.hubRg, 'plf-web-pls')).visibility?.subscriptions?.length === 2 ? true : undefined), 'visibility widened');
    expect((await createEndpoint(SPOKE2, 'pe-foreign-1', 'web')).status).toBeLessThan(300);
    const c = await connection('web', 'pe-foreign-1', (x) => x.reason !== '', 'decided');
    expect(c).toMatchObject({ state: 'Pending', decision: 'leave' });
    expect(c.reason).toMatch(/not allowed: subscription 00000000-0000-0000-0000-00000000c002 is not in consumers\.allow; left pending/);
    expect(c.dns ?? []).toEqual([]);
    expect((await record('internal.net', 'onprem-server'))?.aRecords).toEqual([{ ipv4Address: await nicIp(SPOKE, 'pe-web-1') }]);
  });
});

describe('maxConnections and the record following its endpoint', () => {
  it('beyond the limit a request waits Pending with "limit reached"; when the approved one is deleted the waiting one is approved and the record follows it', async () => {
    await putForward('web', { ...example, consumers: { ...example.consumers, visibleTo: [IDS.consumerSub, IDS.consumer2Sub], maxConnections: 1 } });
    await createEndpoint(SPOKE, 'pe-web-2', 'web');
    const waiting = await connection('web', 'pe-web-2', (x) => x.reason !== '', 'decided');
    expect(waiting).toMatchObject({ state: 'Pending', decision: 'leave' });
    expect(waiting.reason).toMatch(/^limit reached: 1 of consumers\.maxConnections 1 approved/);
    expect(condition(await get('web'), 'ConnectionsReconciled')).toMatchObject({ status: 'True', reason: 'LimitReached' });

    await deleteEndpoint(SPOKE, 'pe-web-1');
    const ip2 = await nicIp(SPOKE, 'pe-web-2');
    await connection('web', 'pe-web-2', (x) => x.state === 'Approved' && x.dns?.[0]?.ip === ip2, 'approved once there is room, record on its IP');
    expect((await record('internal.net', 'onprem-server'))?.aRecords).toEqual([{ ipv4Address: ip2 }]);
    expect((await get('web')).status.connections?.some((c) => c.privateEndpointId.endsWith('/pe-web-1'))).toBe(false);
  });

  it('the endpoint deleted: its record is removed and the removal logged', async () => {
    await deleteEndpoint(SPOKE, 'pe-web-2');
    await eventually(async () => ((await record('internal.net', 'onprem-server')) ? undefined : true), 'record removed');
    const log = await actions('web');
    expect(log[0]).toMatchObject({ action: 'dns-remove', target: 'onprem-server.internal.net' });
  });
});

describe('the allow list narrowed', () => {
  it('onDisallow keep: the connection and its record stay, a condition names it; onDisallow reject: rejected and its record removed', async () => {
    await putForward('web', { ...example, consumers: { ...example.consumers, visibleTo: [IDS.consumerSub, IDS.consumer2Sub] } });
    await createEndpoint(SPOKE, 'pe-web-3', 'web');
    await connection('web', 'pe-web-3', (x) => x.state === 'Approved' && x.dns?.[0]?.state === 'written', 'approved and named');

    await putForward('web', { ...example, consumers: { allow: [], visibleTo: [IDS.consumerSub, IDS.consumer2Sub], onDisallow: 'keep' } });
    const kept = await connection('web', 'pe-web-3', (x) => x.reason.startsWith('no longer allowed'), 'kept, no longer allowed');
    expect(kept.state).toBe('Approved');
    const cond = await eventually(async () => {
      const c = condition(await get('web'), 'ConnectionsReconciled');
      return c?.reason === 'DisallowedKept' ? c : undefined;
    }, 'DisallowedKept');
    expect(cond.status).toBe('False');
    expect(cond.message).toContain(kept.name);
    expect(await record('internal.net', 'onprem-server')).toBeDefined();

    await putForward('web', { ...example, consumers: { allow: [], visibleTo: [IDS.consumerSub, IDS.consumer2Sub], onDisallow: 'reject' } });
    const revoked = await connection('web', 'pe-web-3', (x) => x.state === 'Rejected', 'rejected');
    expect(revoked.reason).toMatch(/^rejected: final in Azure/);
    await eventually(async () => ((await record('internal.net', 'onprem-server')) ? undefined : true), 'record removed after revocation');
    const log = await actions('web');
    expect(log.find((a) => a.action === 'reject')).toMatchObject({ target: kept.name, reason: expect.stringMatching(/^access revoked/) });
    await deleteEndpoint(SPOKE, 'pe-web-3');
  });
});

describe('DNS conflicts', () => {
  it('a record not ours under the same name is left untouched and the conflict shown', async () => {
    await putForward('web', { ...example, consumers: { ...example.consumers, visibleTo: [IDS.consumerSub, IDS.consumer2Sub] } });
    await s.emu.privateDns(IDS.hubSub).recordSets.createOrUpdate(IDS.hubRg, 'internal.net', 'A', 'onprem-server', { ttl: 60, aRecords: [{ ipv4Address: '10.9.9.9' }] });
    await createEndpoint(SPOKE, 'pe-web-4', 'web');
    const c = await connection('web', 'pe-web-4', (x) => x.state === 'Approved' && !!x.dns?.length, 'approved with a dns view');
    expect(c.dns?.[0]).toMatchObject({ state: 'conflict', message: expect.stringMatching(/without this forward's metadata/) });
    expect((await record('internal.net', 'onprem-server'))?.aRecords).toEqual([{ ipv4Address: '10.9.9.9' }]);
    // The pass writes the connection rows before the conditions: wait for the condition it caused.
    await eventually(async () => (condition(await get('web'), 'DnsRecordsReady')?.reason === 'Conflict' ? true : undefined), 'DnsRecordsReady Conflict');
    expect(condition(await get('web'), 'DnsRecordsReady')).toMatchObject({ status: 'False', reason: 'Conflict' });
    const newest = await eventually(async () => ((await actions('web'))[0]?.action === 'conflict' ? (await actions('web'))[0] : undefined), 'conflict logged');
    expect(newest).toMatchObject({ action: 'conflict', target: 'onprem-server.internal.net' });
    await s.emu.privateDns(IDS.hubSub).recordSets.delete(IDS.hubRg, 'internal.net', 'A', 'onprem-server');
    await deleteEndpoint(SPOKE, 'pe-web-4');
  });

  it('two approved endpoints whose VNets resolve through one zone: the first keeps the record, the second shows the conflict', async () => {
    // Allowing the second subscription approves its waiting endpoint (pe-foreign-1, spoke2) first.
    await putForward('web', { ...example, consumers: { allow: [{ subscriptionId: IDS.consumerSub }, { subscriptionId: IDS.consumer2Sub }] } });
    const ipForeign = await nicIp(SPOKE2, 'pe-foreign-1');
    await connection('web', 'pe-foreign-1', (x) => x.state === 'Approved' && x.dns?.[0]?.state === 'written', 'approved and named');
    await createEndpoint(SPOKE, 'pe-web-5', 'web');
    const second = await connection('web', 'pe-web-5', (x) => x.state === 'Approved' && !!x.dns?.length, 'approved with a dns view');
    expect(second.dns?.[0]).toMatchObject({ state: 'conflict', message: expect.stringMatching(/one name holds one IP, pe-foreign-1 keeps onprem-server\.internal\.net/) });
    expect((await record('internal.net', 'onprem-server'))?.aRecords).toEqual([{ ipv4Address: ipForeign }]);
    // The pass writes the connection rows before the conditions: wait for the condition it caused.
    await eventually(async () => (condition(await get('web'), 'DnsRecordsReady')?.reason === 'Conflict' ? true : undefined), 'DnsRecordsReady Conflict');
    expect(condition(await get('web'), 'DnsRecordsReady')).toMatchObject({ status: 'False', reason: 'Conflict' });
    const newest = await eventually(async () => ((await actions('web'))[0]?.action === 'conflict' ? (await actions('web'))[0] : undefined), 'conflict logged');
    expect(newest).toMatchObject({ action: 'conflict', target: 'onprem-server.internal.net' });
  });
});

describe('DNS zones', () => {
  it('dns.zoneIds naming a zone no VNet of the endpoint is linked to: nothing written, a condition names the VNet', async () => {
    await s.emu.privateDns(IDS.hubSub).privateZones.beginCreateOrUpdateAndWait(IDS.hubRg, 'unlinked.example', { location: 'global' });
    const zoneId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateDnsZones/unlinked.example`;
    await putForward('solo', { ...example, dns: { zoneIds: [zoneId], recordName: 'solo', ttl: 60 } });
    await createEndpoint(SPOKE, 'pe-solo-1', 'solo');
    const c = await connection('solo', 'pe-solo-1', (x) => x.state === 'Approved' && !!x.dns?.length, 'approved with a dns view');
    expect(c.dns?.[0]).toMatchObject({ state: 'noZone', message: expect.stringContaining('vnet-spoke') });
    expect(condition(await get('solo'), 'DnsRecordsReady')).toMatchObject({ status: 'False', reason: 'NoLinkedZone', message: expect.stringContaining('vnet-spoke') });
    expect(await s.emu.privateDns(IDS.hubSub).recordSets.get(IDS.hubRg, 'unlinked.example', 'A', 'solo').catch((e: { statusCode?: number }) => e.statusCode)).toBe(404);
  });

  it('an approval does not wait behind a long provisioning pass of the same forward', async () => {
    // Every ARM operation now takes 20 s: a spec change makes the forward's reconcile wait on its scale set.
    await s.emu.control('PUT', '/settings', { lroDelayMs: 20_000 });
    try {
      const put = await s.api<ForwardBody>('PUT', '/api/forwards/solo', { ...example, targets: ['192.168.42.66'], dns: { zoneName: 'internal.net', recordName: 'solo', ttl: 60 } });
      expect(put.status).toBe(202);
      await eventually(async () => ((await get('solo')).status.phase === 'Updating' ? true : undefined), 'solo Updating');
      await createEndpoint(SPOKE, 'pe-solo-2', 'solo');
      const c = await connection('solo', 'pe-solo-2', (x) => x.state === 'Approved', 'approved while the forward is Updating', 15_000);
      expect(c.state).toBe('Approved');
      expect((await get('solo')).status.phase).toBe('Updating');
    } finally {
      await s.emu.control('PUT', '/settings', { lroDelayMs: 0 });
      await s.emu.control('POST', '/operations/settle');
    }
  });
});

describe('events are wake-up calls', () => {
  it('duplicated and reordered deliveries: the same end state, one approval and one record write, no wrong approval', async () => {
    await putForward('web', { ...example, consumers: { ...example.consumers, visibleTo: [IDS.consumerSub, IDS.consumer2Sub] } });
    await deleteEndpoint(SPOKE2, 'pe-foreign-1');
    await deleteEndpoint(SPOKE, 'pe-web-5');
    await eventually(async () => ((await record('internal.net', 'onprem-server')) ? undefined : true), 'record removed');
    await s.emu.control('PUT', '/eventgrid/switches', { duplicate: true, reorder: true });
    await s.emu.control('DELETE', '/requests');
    await createEndpoint(SPOKE, 'pe-web-6', 'web');
    await createEndpoint(SPOKE2, 'pe-foreign-2', 'web');
    await connection('web', 'pe-web-6', (x) => x.state === 'Approved' && x.dns?.[0]?.state === 'written', 'approved and named');
    await connection('web', 'pe-foreign-2', (x) => x.reason !== '', 'decided');
    await new Promise((r) => setTimeout(r, 1500));
    const writes = (await requests()).filter((r) => r.kind !== 'read' && !/privateEndpoints\/pe-/i.test(r.path));
    expect(writes.filter((r) => /privateEndpointConnections\//i.test(r.path))).toHaveLength(1);
    expect(writes.filter((r) => /privateDnsZones\//i.test(r.path))).toHaveLength(1);
    expect(connOf(await get('web'), 'pe-foreign-2')).toMatchObject({ state: 'Pending' });
    await s.emu.control('PUT', '/eventgrid/switches', { duplicate: false, reorder: false });
  });

  it('provider-side events switched off: nothing arrives, and the sweep timer converges alone', async () => {
    await s.emu.control('PUT', '/eventgrid/switches', { providerConnectionEvents: false });
    await createEndpoint(SPOKE, 'pe-web-7', 'web');
    await new Promise((r) => setTimeout(r, 1500));
    expect(connOf(await get('web'), 'pe-web-7')).toBeUndefined();
    await sweep();
    const c = await connection('web', 'pe-web-7', (x) => x.state === 'Approved', 'approved by the sweep');
    const log = await actions('web');
    expect(log.find((a) => a.action === 'approve' && a.target === c.name)?.actor).toBe('sweep');
    await s.emu.control('PUT', '/eventgrid/switches', { providerConnectionEvents: true });
  });

  it('a forged event naming an allowed subscription for a foreign endpoint approves nothing', async () => {
    const foreign = connOf(await get('web'), 'pe-foreign-2')!;
    const connId = `${plsId('web')}/privateEndpointConnections/${foreign.name}`;
    const forged = [{ id: 'forged-1', topic: `/subscriptions/${IDS.consumerSub}`, subject: connId, eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: new Date().toISOString(), dataVersion: '', metadataVersion: '1', data: { operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write', resourceUri: connId, subscriptionId: IDS.consumerSub, status: 'Succeeded' } }];
    const r = await fetch(`${s.url}/runtime/webhooks/eventgrid?functionName=connectionEvents`, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' }, body: JSON.stringify(forged) });
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 1500));
    expect(connOf(await get('web'), 'pe-foreign-2')).toMatchObject({ state: 'Pending', decision: 'leave' });
    expect((await actions('web')).some((a) => a.target === foreign.name && a.action === 'approve')).toBe(false);
  });
});

describe('the Event Grid webhook', () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/runtime/webhooks/eventgrid?functionName=connectionEvents`, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const egEvent = (over: Record<string, unknown>) => ({ id: 'e1', topic: `/subscriptions/${IDS.hubSub}`, subject: '/x', eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: new Date().toISOString(), dataVersion: '', metadataVersion: '1', data: {}, ...over });
  const samples = path.join(process.env.PLF_AZURE_EXAMPLES ?? path.join(ROOT, 'test/emulator/examples'), 'eventgrid', 'event-grid-schema');

  it.each([
    ['an unknown event type', [egEvent({ eventType: 'Microsoft.Storage.BlobCreated', data: { url: 'x' } })]],
    ['a write of a resource type it does not watch', [egEvent({ data: { operationName: 'Microsoft.Storage/storageAccounts/write', resourceUri: `/subscriptions/${IDS.hubSub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x` } })]],
    ['a connection of a private link service that is not a forward', [egEvent({ subject: `${plsId('nobody').replace('plf-nobody-pls', 'other-pls')}/privateEndpointConnections/c`, data: { operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write' } })]],
    ['an endpoint no forward knows, deleted', [egEvent({ eventType: 'Microsoft.Resources.ResourceDeleteSuccess', subject: peId(IDS.consumerSub, 'rg-x', 'ghost'), data: { operationName: 'Microsoft.Network/privateEndpoints/delete' } })]],
    ['data that is not an object', [egEvent({ data: 'surprise' })]],
    ['a subject that is not a resource id', [egEvent({ subject: '../../etc/passwd', data: { operationName: 'Microsoft.Network/privateEndpoints/write' } })]],
    ['a CloudEvent of a resource write', { specversion: '1.0', id: 'c1', source: `/subscriptions/${IDS.hubSub}`, type: 'Microsoft.Resources.ResourceWriteSuccess', subject: peId(IDS.consumerSub, 'rg-x', 'ghost2'), data: { operationName: 'Microsoft.Network/privateEndpoints/write' } }],
  ])('%s: answered 2xx', async (_situation, body) => {
    const r = await post(body);
    expect(r.status).toBeLessThan(300);
    expect(await r.text()).not.toMatch(/at .*\.js:\d+/);
  });

  it('the published samples in azure-api-examples/eventgrid: answered 2xx', async () => {
    for (const f of fs.readdirSync(samples)) {
      const body = JSON.parse(fs.readFileSync(path.join(samples, f), 'utf8')) as unknown;
      const r = await post(Array.isArray(body) ? body : [body]);
      expect({ f, status: r.status }).toEqual({ f, status: 200 });
    }
  });

  it('both validation handshakes are answered as Event Grid expects', async () => {
    const validation = JSON.parse(fs.readFileSync(path.join(samples, '..', 'subscription_validation_event.json'), 'utf8')) as { data: { validationCode: string } }[] | { data: { validationCode: string } };
    const first = Array.isArray(validation) ? validation[0] : validation;
    const r = await post(Array.isArray(validation) ? validation : [validation], { 'aeg-event-type': 'SubscriptionValidation' });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ validationResponse: first.data.validationCode });
    const o = await fetch(`${s.url}/runtime/webhooks/eventgrid?functionName=connectionEvents`, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventemitter.example.com' } });
    expect(o.status).toBe(200);
    expect(o.headers.get('webhook-allowed-origin')).toBe('eventemitter.example.com');
  });
});

describe('the actions API', () => {
  it.each([
    ['top out of range', '/api/forwards/web/actions?top=0', 400, /top/],
    ['top not a number', '/api/forwards/web/actions?top=ten', 400, /top/],
    ['top written in hex', '/api/forwards/web/actions?top=0x10', 400, /top/],
    ['the probe history: a continuation it never gave out', '/api/forwards/web/probes?continuation=garbage', 400, /continuation/],
    ['the probe history: top in exponent form', '/api/forwards/web/probes?top=1e1', 400, /top/],
    ['a continuation it never gave out', '/api/forwards/web/actions?continuation=%27%20or%201%3D1', 400, /continuation/],
    ['a well-formed continuation it never gave out', '/api/forwards/web/actions?continuation=eyJ4IjoxfQ', 400, /continuation/],
    ['a name that can never be a forward', '/api/forwards/a%2Fb/actions', 400, /name/],
    ['an unknown forward', '/api/forwards/nobody/actions', 404, /nobody/],
  ])('%s: %s -> %i problem+json', async (_situation, url, status, text) => {
    const r = await s.api<{ title: string; detail: string; problems?: { path: string }[] }>('GET', url);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.stringify(r.body)).toMatch(text);
  });

  it('pages newest first with a nextLink that leads to the rest', async () => {
    const all = await actions('web');
    const first = await s.api<{ value: Action[]; nextLink?: string }>('GET', '/api/forwards/web/actions?top=2');
    expect(first.body.value).toEqual(all.slice(0, 2));
    const second = await s.api<{ value: Action[]; nextLink?: string }>('GET', first.body.nextLink!);
    expect(second.body.value).toEqual(all.slice(2, 4));
  });
});

describe('consumers the app may not read: one that granted it nothing (c003), one in another tenant (c004)', () => {
  const C003: Spoke = { sub: '00000000-0000-0000-0000-00000000c003', rg: 'rg-spoke3', subnet: '/subscriptions/00000000-0000-0000-0000-00000000c003/resourceGroups/rg-spoke3/providers/Microsoft.Network/virtualNetworks/vnet-spoke3/subnets/linked', jump: '' };
  const C004: Spoke = { sub: '00000000-0000-0000-0000-00000000c004', rg: 'rg-spoke4', subnet: '/subscriptions/00000000-0000-0000-0000-00000000c004/resourceGroups/rg-spoke4/providers/Microsoft.Network/virtualNetworks/vnet-spoke4/subnets/linked', jump: '' };
  const strangers = { ...example, consumers: { ...example.consumers, visibleTo: ['*'] }, dns: { zoneName: 'internal.net', recordName: 'strangers', ttl: 60 } };

  it('the strangers are shown with their problem; an allowed endpoint beside them is approved and named in DNS in the same pass; nothing stops', async () => {
    await putForward('strangers', strangers);
    await s.emu.control('DELETE', '/requests');
    // The owner acts for the consumers (the control API's token is not the app's).
    for (const [where, name] of [[C003, 'pe-str-3'], [C004, 'pe-str-4']] as const) expect((await createEndpoint(where, name, 'strangers')).status).toBe(201);
    const c3 = await connection('strangers', 'pe-str-3', (x) => !!x.problem, 'shown with its problem');
    const c4 = await connection('strangers', 'pe-str-4', (x) => !!x.problem, 'shown with its problem');
    expect(c3).toMatchObject({ state: 'Pending', decision: 'leave', problem: expect.stringMatching(/^the private endpoint could not be read: AuthorizationFailed \(the app has no read rights in subscription 00000000-0000-0000-0000-00000000c003/) });
    expect(c3.reason).toMatch(/not allowed: subscription 00000000-0000-0000-0000-00000000c003 is not in consumers\.allow; left pending/);
    expect(c4).toMatchObject({ state: 'Pending', decision: 'leave', problem: expect.stringMatching(/^the private endpoint could not be read: InvalidAuthenticationTokenTenant \(subscription 00000000-0000-0000-0000-00000000c004 is in another tenant/) });

    // The allowed one arrives while the strangers are still unreadable (they are re-read every pass).
    expect((await createEndpoint(SPOKE, 'pe-str-ok', 'strangers')).status).toBe(201);
    const ok = await connection('strangers', 'pe-str-ok', (x) => x.state === 'Approved' && x.dns?.[0]?.state === 'written', 'Approved and named');
    expect(ok.dns).toEqual([expect.objectContaining({ fqdn: 'strangers.internal.net', ip: await nicIp(SPOKE, 'pe-str-ok'), state: 'written' })]);
    const log = await actions('strangers');
    const approve = log.find((a) => a.action === 'approve' && a.target === ok.name);
    const write = log.find((a) => a.action === 'dns-write' && a.target === 'strangers.internal.net');
    expect(approve && write && approve.time === write.time).toBe(true);
    expect(log.filter((a) => a.target === c3.name || a.target === c4.name)).toEqual([]);

    const body = await get('strangers');
    expect(condition(body, 'ConnectionsReconciled')).toMatchObject({ status: 'True', message: expect.stringContaining('endpoint not readable: ') });
    expect(condition(body, 'DnsRecordsReady')).toMatchObject({ status: 'True', reason: 'RecordsWritten' });
    for (const name of ['pe-str-3', 'pe-str-4']) expect(connOf(body, name)?.problem).toBeDefined();
    // What the app met: 403 for c003's endpoint, 401 for c004's, and nothing else refused.
    const refused = (await requests()).filter((r) => r.status === 401 || r.status === 403);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(`${r.status} ${r.path}`).toMatch(/^(403 \/subscriptions\/00000000-0000-0000-0000-00000000c003\/resourceGroups\/rg-spoke3|401 \/subscriptions\/00000000-0000-0000-0000-00000000c004\/resourceGroups\/rg-spoke4)\/providers\/Microsoft\.Network\/privateEndpoints\/pe-str-[34]$/);

    expect((await s.api('DELETE', '/api/forwards/strangers')).status).toBe(202);
    await eventually(async () => ((await s.api('GET', '/api/forwards/strangers')).status === 404 ? true : undefined), 'strangers gone', 60_000);
  });

  it('an allowed consumer that granted endpoint reads but not NIC reads: approved, no record, the problem shown; once it grants them, the next pass names it', async () => {
    // A zone of its own, linked to c003's VNet (the product caches a zone's links for a minute).
    const spoke3Vnet = C003.subnet.replace(/\/subnets\/linked$/, '');
    const dns = s.emu.privateDns(IDS.hubSub);
    await dns.privateZones.beginCreateOrUpdateAndWait(IDS.hubRg, 'c003.example', { location: 'global' });
    await dns.virtualNetworkLinks.beginCreateOrUpdateAndWait(IDS.hubRg, 'c003.example', 'link-spoke3', { location: 'global', virtualNetwork: { id: spoke3Vnet }, registrationEnabled: false });
    const grant = (actions: string[]) => s.emu.control('PUT', '/role-assignments/c003-endpoints', { scope: `/subscriptions/${C003.sub}/resourceGroups/${C003.rg}`, actions });
    try {
      expect((await grant(['Microsoft.Network/privateEndpoints/read'])).status).toBe(201);
      await putForward('nicless', { ...example, consumers: { allow: [{ subscriptionId: C003.sub, virtualNetworkIds: [] }], visibleTo: ['*'] }, dns: { zoneName: 'c003.example', recordName: 'nicless', ttl: 60 } });
      expect((await createEndpoint(C003, 'pe-nicless', 'nicless')).status).toBe(201);
      const c = await connection('nicless', 'pe-nicless', (x) => x.state === 'Approved' && x.dns?.[0]?.state === 'pending', 'Approved, record pending');
      expect(c.dns?.[0]?.message).toMatch(/^the NIC could not be read: AuthorizationFailed/);
      expect(c.problem).toMatch(/^the NIC could not be read: AuthorizationFailed/);
      expect(condition(await get('nicless'), 'DnsRecordsReady')).toMatchObject({ status: 'False', reason: 'EndpointUnreadable' });
      expect(await record('c003.example', 'nicless')).toBeUndefined();

      expect((await grant(['Microsoft.Network/privateEndpoints/read', 'Microsoft.Network/networkInterfaces/read'])).status).toBe(200);
      // Any pass after the grant re-reads it (a refused read is retried every pass); the sweep wakes one.
      const named = await eventually(async () => {
        await sweep();
        const x = connOf(await get('nicless'), 'pe-nicless');
        return x?.dns?.[0]?.state === 'written' ? x : undefined;
      }, 'nicless/pe-nicless: named once granted', 60_000, 2000);
      expect(named.problem).toBeUndefined();
      expect((await record('c003.example', 'nicless'))?.aRecords).toEqual([{ ipv4Address: await nicIp(C003, 'pe-nicless') }]);
      expect(condition(await get('nicless'), 'DnsRecordsReady')).toMatchObject({ status: 'True', reason: 'RecordsWritten' });
    } finally {
      await s.api('DELETE', '/api/forwards/nicless');
      await eventually(async () => ((await s.api('GET', '/api/forwards/nicless')).status === 404 ? true : undefined), 'nicless gone', 60_000);
      await s.emu.control('DELETE', '/role-assignments/c003-endpoints');
      await dns.virtualNetworkLinks.beginDeleteAndWait(IDS.hubRg, 'c003.example', 'link-spoke3');
      await dns.privateZones.beginDeleteAndWait(IDS.hubRg, 'c003.example');
    }
  }, 180_000);
});

describe('bad requests to the forwards API', () => {
  it.each([
    ['GET of a name with a slash', 'GET', '/api/forwards/a%2Fb', undefined, {}, 400],
    ['GET of a name with traversal', 'GET', '/api/forwards/..%2F..%2Fetc', undefined, {}, 400],
    ['GET of an upper-case name', 'GET', '/api/forwards/OnPrem', undefined, {}, 400],
    ['DELETE of a name with a slash', 'DELETE', '/api/forwards/a%2Fb', undefined, {}, 400],
    ['PUT declared as text/plain', 'PUT', '/api/forwards/plain', JSON.stringify(example), { 'content-type': 'text/plain' }, 415],
    ['PUT of 300 KB', 'PUT', '/api/forwards/huge', JSON.stringify({ ...example, pad: 'x'.repeat(300 * 1024) }), {}, 413],
  ])('%s -> %i problem+json', async (_situation, method, url, body, headers, status) => {
    const r = await checkedFetch(`${s.url}${url}`, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body ? { body } : {}) });
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(await r.text()).not.toMatch(/at .*\.js:\d+/);
    expect((await s.api('GET', '/api/forwards/plain')).status).toBe(404);
  });
});

describe('the forward deleted', () => {
  it('with an Approved and a Pending connection: the connections are deleted first, then PLS, scale set and LB; its record goes; nothing of it is left; the endpoints stay, Disconnected', async () => {
    await putForward('bye', { ...example, nodes: { ...(example.nodes as object), count: 1 }, consumers: { ...example.consumers, maxConnections: 1 }, dns: { ...example.dns, recordName: 'bye-server' } });
    expect((await createEndpoint(SPOKE, 'pe-bye-1', 'bye')).status).toBeLessThan(300);
    await connection('bye', 'pe-bye-1', (x) => x.state === 'Approved' && x.dns?.[0]?.state === 'written', 'Approved and named');
    expect((await createEndpoint(SPOKE, 'pe-bye-2', 'bye')).status).toBeLessThan(300);
    await connection('bye', 'pe-bye-2', (x) => x.state === 'Pending' && x.reason !== '', 'left Pending (limit reached)');
    const listed = (await s.emu.network(IDS.hubSub).privateLinkServices.get(IDS.hubRg, 'plf-bye-pls')).privateEndpointConnections ?? [];
    expect(listed.map((c) => c.privateLinkServiceConnectionState?.status).sort()).toEqual(['Approved', 'Pending']);
    expect(await record('internal.net', 'bye-server')).toBeDefined();

    await s.emu.control('DELETE', '/requests');
    expect((await s.api('DELETE', '/api/forwards/bye')).status).toBe(202);
    await eventually(async () => ((await s.api('GET', '/api/forwards/bye')).status === 404 ? true : undefined), 'bye gone', 90_000);

    // Deleted in order: every connection (a PLS with connections cannot be deleted), then the rest.
    const deletes = (await requests()).filter((r) => r.method === 'DELETE' && r.path.includes('/plf-bye-')).map((r) => r.path.split('?')[0].split('/').slice(-2, -1)[0]);
    expect(deletes).toEqual(['privateEndpointConnections', 'privateEndpointConnections', 'privateLinkServices', 'virtualMachineScaleSets', 'loadBalancers']);
    const state = (await s.emu.control<{ resources: { id: string; body: { tags?: Record<string, string> } }[] }>('GET', '/state')).body;
    expect(state.resources.filter((r) => r.body.tags?.['plf-forward'] === 'bye' || r.id.toLowerCase().includes('/plf-bye-')).map((r) => r.id)).toEqual([]);
    expect(await record('internal.net', 'bye-server')).toBeUndefined();
    for (const pe of ['pe-bye-1', 'pe-bye-2']) {
      const e = await s.emu.network(SPOKE.sub).privateEndpoints.get(SPOKE.rg, pe);
      expect([pe, e.privateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status ?? e.manualPrivateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status]).toEqual([pe, 'Disconnected']);
    }
  }, 180_000);

  it('ARM refusing the PLS delete because a connection arrived after the drain (injected once): teardown drains again and the forward still ends with nothing left', async () => {
    await putForward('race', { ...example, nodes: { ...(example.nodes as object), count: 1 }, dns: { ...example.dns, recordName: 'race-server' } });
    expect((await createEndpoint(SPOKE, 'pe-race-1', 'race')).status).toBeLessThan(300);
    await connection('race', 'pe-race-1', (x) => x.state === 'Approved', 'Approved');
    await s.emu.control('DELETE', '/requests');
    await s.emu.control('POST', '/faults', { kind: 'error', method: 'DELETE', resourceType: 'Microsoft.Network/privateLinkServices', count: 1, status: 400, code: 'PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted', message: 'Private link service cannot be deleted since it has 1 private endpoint connection.' });
    try {
      expect((await s.api('DELETE', '/api/forwards/race')).status).toBe(202);
      await eventually(async () => ((await s.api('GET', '/api/forwards/race')).status === 404 ? true : undefined), 'race gone', 90_000);
      expect((await s.emu.control<{ value: { fired: number }[] }>('GET', '/faults')).body.value.map((f) => f.fired)).toEqual([1]);
    } finally {
      await s.emu.control('DELETE', '/faults');
    }
    const deletes = (await requests()).filter((r) => r.method === 'DELETE' && r.path.includes('/plf-race-'));
    const type = (r: RequestEntry) => r.path.split('?')[0].split('/').slice(-2, -1)[0];
    expect(deletes.map(type)).toEqual(['privateEndpointConnections', 'privateLinkServices', 'privateLinkServices', 'virtualMachineScaleSets', 'loadBalancers']);
    expect(deletes.filter((r) => type(r) === 'privateLinkServices').map((r) => r.status)).toEqual([400, 202]);
    const state = (await s.emu.control<{ resources: { id: string }[] }>('GET', '/state')).body;
    expect(state.resources.filter((r) => r.id.toLowerCase().includes('/plf-race-')).map((r) => r.id)).toEqual([]);
  }, 180_000);

  it('its records are removed with it', async () => {
    expect(await record('internal.net', 'onprem-server')).toBeDefined();
    expect((await s.api('DELETE', '/api/forwards/web')).status).toBe(202);
    await eventually(async () => ((await s.api('GET', '/api/forwards/web')).status === 404 ? true : undefined), 'web gone', 60_000);
    expect(await record('internal.net', 'onprem-server')).toBeUndefined();
  });
});
