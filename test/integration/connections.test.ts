import * as fs from 'node:fs';
import * as path from 'node:path';
import { IDS } from '../emulator/helpers/emulator';
import { eventually, ROOT, startStack, type Stack } from './helpers/stack';

/**
 * The connections flow end to end (devhost + Azurite + emulator, real SDK clients): private
 * endpoints approved by policy when Event Grid reports them, private DNS A records that follow
 * the endpoints, conflicts shown, nothing wrong done on duplicated, reordered, lost or forged events.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as { consumers: Record<string, unknown>; dns: Record<string, unknown> } & Record<string, unknown>;

interface Conn { name: string; privateEndpointId: string; state: string; decision: string; reason: string; dns?: { fqdn: string; ip?: string; state: string; message?: string }[] }
interface ForwardBody { generation: number; status: { phase: string; observedGeneration: number; conditions: { type: string; status: string; reason: string; message: string }[]; connections?: Conn[]; resources: { privateLinkServiceId?: string } } }
interface Action { time: string; actor: string; action: string; target: string; reason: string }
type RequestEntry = { method: string; path: string; kind: string; status: number };

const get = async (name: string) => (await s.api<ForwardBody>('GET', `/api/forwards/${name}`)).body;
const plsId = (forward: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/plf-${forward}-pls`;
const peId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${name}`;
const SPOKE = { sub: IDS.consumerSub, rg: IDS.spokeRg, subnet: IDS.spokeLinked, jump: IDS.spokeJump };
const SPOKE2 = { sub: IDS.consumer2Sub, rg: IDS.spoke2Rg, subnet: IDS.spoke2Linked, jump: IDS.spoke2Jump };

async function createEndpoint(where: typeof SPOKE, name: string, forward: string): Promise<{ status: number; body: unknown }> {
  return s.emu.control('POST', '/consumer-endpoints', { subnetId: where.subnet, name, privateLinkServiceId: plsId(forward) });
}
async function deleteEndpoint(where: typeof SPOKE, name: string): Promise<void> {
  await s.emu.network(where.sub).privateEndpoints.beginDeleteAndWait(where.rg, name);
}
const connOf = (body: ForwardBody, endpoint: string) => body.status.connections?.find((c) => c.privateEndpointId.toLowerCase().endsWith(`/${endpoint}`.toLowerCase()));
const condition = (body: ForwardBody, type: string) => body.status.conditions.find((c) => c.type === type);
async function connection(forward: string, endpoint: string, until: (c: Conn) => boolean, what: string): Promise<Conn> {
  return eventually(async () => {
    const c = connOf(await get(forward), endpoint);
    return c && until(c) ? c : undefined;
  }, `${forward}/${endpoint}: ${what}`);
}
async function record(zone: string, name: string) {
  return s.emu.privateDns(IDS.hubSub).recordSets.get(IDS.hubRg, zone, 'A', name).catch((e: { statusCode?: number }) => (e.statusCode === 404 ? undefined : Promise.reject(e)));
}
async function nicIp(where: typeof SPOKE, endpoint: string): Promise<string> {
  const pe = await s.emu.network(where.sub).privateEndpoints.get(where.rg, endpoint);
  const nicName = pe.networkInterfaces![0].id!.split('/').pop()!;
  return (await s.emu.network(where.sub).networkInterfaces.get(where.rg, nicName)).ipConfigurations![0].privateIPAddress!;
}
async function actions(forward: string): Promise<Action[]> {
  return (await s.api<{ value: Action[] }>('GET', `/api/forwards/${forward}/actions?top=200`)).body.value;
}
async function putForward(name: string, body: unknown) {
  const r = await s.api<ForwardBody>('PUT', `/api/forwards/${name}`, body);
  expect([200, 202]).toContain(r.status);
  await eventually(async () => {
    const b = await get(name);
    return b.status.observedGeneration >= r.body.generation && ['Ready', 'Degraded'].includes(b.status.phase) ? b : undefined;
  }, `${name} Ready at generation ${r.body.generation}`, 60_000);
}
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
    expect(c.decision).toBe('keep');
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
    const body = await get('web');
    expect(condition(body, 'ConnectionsReconciled')).toMatchObject({ status: 'True' });
    expect(condition(body, 'DnsRecordsReady')).toMatchObject({ status: 'True', reason: 'RecordsWritten' });
  });

  it('an idle sweep pass costs one list call per forward and writes nothing', async () => {
    await s.emu.control('DELETE', '/requests');
    await sweep();
    await eventually(async () => ((await requests()).some((r) => /privateEndpointConnections$/i.test(r.path)) ? true : undefined), 'the sweep pass listed the connections');
    await new Promise((r) => setTimeout(r, 1000));
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
