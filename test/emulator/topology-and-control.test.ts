import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { POLL, startTestEmulator, IDS, type TestEmulator } from './helpers/emulator';
import { lbBody } from './helpers/network-fixtures';
import { startEmulator } from '../../tools/emulator/server';
import type { EmulatorProvider } from '../../tools/emulator/providers';

/** Default topology, custom topologies, the state file, reset, and the control API's own routes. */
const hooks: string[] = [];
const hookProvider: EmulatorProvider = {
  name: 'test-hooks',
  nodeControl: {
    breakNode: (_emu, target) => {
      hooks.push(`break ${target}`);
      return { status: 200, body: { broken: target } };
    },
    repairNode: (_emu, target) => {
      hooks.push(`repair ${target}`);
      return { status: 200, body: { repaired: target } };
    },
  },
  dataPath: (_emu, q) => ({ status: 200, body: { verdict: 'test', query: q } }),
  control: [{ method: 'GET', pattern: /^\/test-hooks$/, handle: () => ({ status: 200, body: { hooks } }) }],
};

let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator({ providers: [hookProvider] });
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await t.control('POST', '/reset');
});

describe('default topology', () => {
  it.each([
    ['provider subscription', `/subscriptions/${IDS.hubSub}?api-version=2022-12-01`, { subscriptionId: IDS.hubSub, tenantId: IDS.tenant }],
    ['consumer subscription', `/subscriptions/${IDS.consumerSub}?api-version=2022-12-01`, { subscriptionId: IDS.consumerSub }],
    ['hub resource group', `/subscriptions/${IDS.hubSub}/resourceGroups/rg-hub?api-version=2021-04-01`, { name: 'rg-hub', location: 'westeurope' }],
    ['spoke resource group', `/subscriptions/${IDS.consumerSub}/resourceGroups/rg-spoke?api-version=2021-04-01`, { name: 'rg-spoke', location: 'westeurope' }],
    ['spoke VNet', `${IDS.spokeVnet}?api-version=2024-07-01`, { properties: { addressSpace: { addressPrefixes: ['10.1.0.0/19'] } } }],
    ['second consumer subscription', `/subscriptions/${IDS.consumer2Sub}?api-version=2022-12-01`, { subscriptionId: IDS.consumer2Sub, displayName: 'plf-consumer-2 (foreign spoke)' }],
    ['second spoke resource group', `/subscriptions/${IDS.consumer2Sub}/resourceGroups/rg-spoke2?api-version=2021-04-01`, { name: 'rg-spoke2', location: 'westeurope' }],
    ['second spoke VNet', `${IDS.spoke2Vnet}?api-version=2024-07-01`, { properties: { addressSpace: { addressPrefixes: ['10.2.0.0/19'] } } }],
    ['second spoke subnet linked', `${IDS.spoke2Linked}?api-version=2024-07-01`, { properties: { addressPrefix: '10.2.0.0/24', privateEndpointNetworkPolicies: 'Disabled' } }],
    [
      'second spoke subnet jump (delegated to container groups)',
      `${IDS.spoke2Jump}?api-version=2024-07-01`,
      { properties: { addressPrefix: '10.2.1.0/27', delegations: [{ properties: { serviceName: 'Microsoft.ContainerInstance/containerGroups' } }] } },
    ],
    ['second spoke link to internal.net', `${IDS.zoneId}/virtualNetworkLinks/link-spoke2?api-version=2024-06-01`, { properties: { virtualNetwork: { id: IDS.spoke2Vnet }, registrationEnabled: false } }],
    ['private DNS zone', `${IDS.zoneId}?api-version=2024-06-01`, { name: 'internal.net' }],
  ])('%s', async (_n, p, expected) => {
    const r = await t.raw('GET', p);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject(expected);
  });

  it('on-prem targets 192.168.42.65 and .66 listen on TCP 8000', async () => {
    const r = await t.control<{ value: unknown[] }>('GET', '/targets');
    expect(r.body.value).toEqual([
      { ip: '192.168.42.65', openPorts: [8000], up: true },
      { ip: '192.168.42.66', openPorts: [8000], up: true },
    ]);
  });
});

describe('resource groups', () => {
  it('create, list, and delete an empty group; a non-empty group -> 409', async () => {
    const base = `/subscriptions/${IDS.hubSub}/resourceGroups`;
    expect((await t.raw('PUT', `${base}/rg-new?api-version=2021-04-01`, { body: { location: 'westeurope', tags: { a: 'b' } } })).status).toBe(201);
    const list = await t.raw<{ value: Array<{ name: string; tags?: object }> }>('GET', `${base}?api-version=2021-04-01`);
    expect(list.body.value.map((g) => g.name)).toEqual(['rg-hub', 'rg-new']);
    expect((await t.raw('DELETE', `${base}/rg-new?api-version=2021-04-01`)).status).toBe(200);
    const busy = await t.raw<{ error: { code: string } }>('DELETE', `${base}/rg-hub?api-version=2021-04-01`);
    expect([busy.status, busy.body.error.code]).toEqual([409, 'ResourceGroupNotEmpty']);
  });
});

describe('reset and state file', () => {
  it('reset returns to the topology', async () => {
    await t.network().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    await t.control('POST', '/targets/192.168.42.65/down');
    await t.control('POST', '/reset');
    await expect(t.network().loadBalancers.get(IDS.hubRg, 'lb-a')).rejects.toMatchObject({ statusCode: 404 });
    expect((await t.control<{ value: Array<{ up: boolean }> }>('GET', '/targets')).body.value.every((x) => x.up)).toBe(true);
  });

  it('a restarted emulator with the same state file keeps resources and IP allocations; the CA file is written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-state-'));
    const stateFile = path.join(dir, 'state.json');
    const caFile = path.join(dir, 'ca', 'ca.pem');
    try {
      const a = await startEmulator({ port: 0, stateFile, caFile });
      expect(fs.readFileSync(caFile, 'utf8')).toBe(a.caPem);
      const net = new (await import('@azure/arm-network')).NetworkManagementClient(t.credential, IDS.hubSub, { endpoint: a.url, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: a.caPem } });
      await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
      await a.stop();
      const b = await startEmulator({ port: 0, stateFile, caFile });
      const net2 = new (await import('@azure/arm-network')).NetworkManagementClient(t.credential, IDS.hubSub, { endpoint: b.url, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: b.caPem } });
      expect((await net2.loadBalancers.get(IDS.hubRg, 'lb-a')).frontendIPConfigurations?.[0].privateIPAddress).toBe('10.0.1.4');
      const lb2 = await net2.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-b', lbBody('lb-b'), POLL);
      expect(lb2.frontendIPConfigurations?.[0].privateIPAddress).toBe('10.0.1.5');
      await b.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a custom topology object is seeded; a malformed one is refused naming every problem', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-topo-'));
    const custom = await startEmulator({
      port: 0,
      caFile: path.join(dir, 'ca.pem'),
      topology: { subscriptions: [{ subscriptionId: '11111111-0000-0000-0000-000000000001', displayName: 'x', resourceGroups: [{ name: 'rg-x', location: 'northeurope', virtualNetworks: [{ name: 'v', addressPrefixes: ['172.16.0.0/16'], subnets: [{ name: 's', addressPrefix: '172.16.0.0/24' }] }] }] }] },
    });
    try {
      expect(custom.state.get('/subscriptions/11111111-0000-0000-0000-000000000001/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/v/subnets/s')).toBeDefined();
    } finally {
      await custom.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await expect(startEmulator({ port: 0, topology: { subscriptions: [{ resourceGroups: [{}] }] } })).rejects.toThrow(/subscriptionId is required.*needs name and location/);
  });
});

describe('control API', () => {
  it.each([
    ['down', 'POST', '/targets/192.168.42.65/down', undefined, 200, { ip: '192.168.42.65', up: false, openPorts: [8000] }],
    ['close a port', 'POST', '/targets/192.168.42.66/ports/8000/close', undefined, 200, { ip: '192.168.42.66', up: true, openPorts: [] }],
    ['open another port', 'POST', '/targets/192.168.42.66/ports/9000/open', undefined, 200, { openPorts: [8000, 9000] }],
    ['add a target', 'PUT', '/targets/192.168.42.70', { up: true, openPorts: [22, 8000] }, 200, { ip: '192.168.42.70', openPorts: [22, 8000] }],
    ['unknown target', 'POST', '/targets/192.168.42.99/down', undefined, 404, { error: { code: 'TargetNotFound' } }],
    ['bad target body (both problems named)', 'PUT', '/targets/not-an-ip', { openPorts: [0] }, 400, { error: { code: 'InvalidParameter' } }],
    ['unknown route', 'GET', '/nope', undefined, 404, { error: { code: 'NotFound' } }],
    ['wrong method', 'DELETE', '/targets', undefined, 405, { error: { code: 'MethodNotAllowed' } }],
    ['malformed JSON is refused', 'PUT', '/settings', '{', 400, {}],
  ])('%s', async (_n, method, p, body, status, expected) => {
    const r = typeof body === 'string' ? await t.raw(method, `/_emulator${p}`, { rawBody: body }) : await t.control(method, p, body);
    expect(r.status).toBe(status);
    expect(r.body ?? {}).toMatchObject(expected);
  });

  it('break/repair and the data-path query go to the registered hooks; provider control routes are served', async () => {
    hooks.length = 0;
    expect((await t.control('POST', '/nodes/break', { target: '10.0.1.10' })).body).toEqual({ broken: '10.0.1.10' });
    expect((await t.control('POST', '/nodes/repair', { target: '10.0.1.10' })).body).toEqual({ repaired: '10.0.1.10' });
    expect((await t.control('POST', '/nodes/break', {})).status).toBe(400);
    expect((await t.control('POST', '/datapath', { from: IDS.spokeLinked })).body).toEqual({ verdict: 'test', query: { from: IDS.spokeLinked } });
    expect((await t.control('GET', '/test-hooks')).body).toEqual({ hooks: ['break 10.0.1.10', 'repair 10.0.1.10'] });
  });

  it.each([
    ['no subnet and no service (both named)', { name: 'pe' }, ['subnetId', 'privateLinkServiceId or alias']],
    ['subnet id that is not an id', { name: 'pe', subnetId: 'x', alias: 'a' }, ['subnetId']],
  ])('consumer endpoint with %s -> 400', async (_n, body, named) => {
    const r = await t.control<{ error: { message: string } }>('POST', '/consumer-endpoints', body);
    expect(r.status).toBe(400);
    for (const n of named) expect(r.body.error.message).toContain(n);
  });
});
