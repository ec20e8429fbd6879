import { RestError } from '@azure/core-rest-pipeline';
import { POLL, startTestEmulator, IDS, type TestEmulator } from '../helpers/emulator';
import { lbBody } from '../helpers/network-fixtures';
import { joinBackendPool } from '../../../tools/emulator/providers/network/common';

/** Virtual networks, subnets, NICs and load balancers through the real @azure/arm-network client. */
let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await t.control('POST', '/reset');
});

const hub = () => t.network(IDS.hubSub);

async function rejects(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RestError) return e;
    throw e;
  }
  throw new Error('expected the SDK call to fail');
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('virtual networks and subnets (seeded topology)', () => {
  it.each([
    ['hub shared', IDS.hubSub, IDS.hubRg, 'vnet-hub', 'shared', '10.0.1.0/26', 'Disabled', []],
    ['hub jump', IDS.hubSub, IDS.hubRg, 'vnet-hub', 'jump', '10.0.1.64/27', 'Enabled', ['Microsoft.ContainerInstance/containerGroups']],
    ['spoke linked', IDS.consumerSub, IDS.spokeRg, 'vnet-spoke', 'linked', '10.1.0.0/24', 'Enabled', []],
    ['spoke jump', IDS.consumerSub, IDS.spokeRg, 'vnet-spoke', 'jump', '10.1.1.0/27', 'Enabled', ['Microsoft.ContainerInstance/containerGroups']],
  ])('%s subnet', async (_n, sub, rg, vnet, subnet, prefix, plsPolicies, delegations) => {
    const s = await t.network(sub).subnets.get(rg, vnet, subnet);
    expect(s.addressPrefix).toBe(prefix);
    expect(s.privateLinkServiceNetworkPolicies).toBe(plsPolicies);
    expect((s.delegations ?? []).map((d) => d.serviceName)).toEqual(delegations);
  });

  it('a VNet lists its subnets and address space', async () => {
    const v = await hub().virtualNetworks.get(IDS.hubRg, 'vnet-hub');
    expect(v.addressSpace?.addressPrefixes).toEqual(['10.0.1.0/24']);
    expect(v.subnets?.map((s) => s.name)).toEqual(['jump', 'shared']);
  });

  it('subnet create and delete (write for seeding)', async () => {
    const s = await hub().subnets.beginCreateOrUpdateAndWait(IDS.hubRg, 'vnet-hub', 'extra', { addressPrefix: '10.0.1.128/27' }, POLL);
    expect(s.provisioningState).toBe('Succeeded');
    expect((await all(hub().subnets.list(IDS.hubRg, 'vnet-hub'))).map((x) => x.name)).toContain('extra');
    await hub().subnets.beginDeleteAndWait(IDS.hubRg, 'vnet-hub', 'extra', POLL);
    await expect(hub().subnets.get(IDS.hubRg, 'vnet-hub', 'extra')).rejects.toMatchObject({ statusCode: 404 });
  });

  it.each([
    ['prefix outside the VNet', { addressPrefix: '10.9.0.0/24' }],
    ['prefix not a CIDR', { addressPrefix: 'ten' }],
  ])('subnet with %s -> 400', async (_n, body) => {
    const e = await rejects(hub().subnets.beginCreateOrUpdateAndWait(IDS.hubRg, 'vnet-hub', 'bad', body, POLL));
    expect(e.statusCode).toBe(400);
  });

  it('VNet create with subnets, then a PUT without one subnet deletes it (full replace)', async () => {
    const body = {
      location: IDS.location,
      addressSpace: { addressPrefixes: ['10.5.0.0/16'] },
      subnets: [
        { name: 'a', addressPrefix: '10.5.0.0/24' },
        { name: 'b', addressPrefix: '10.5.1.0/24' },
      ],
      tags: { env: 'test' },
    };
    const v = await hub().virtualNetworks.beginCreateOrUpdateAndWait(IDS.hubRg, 'vnet-x', body, POLL);
    expect(v.tags).toEqual({ env: 'test' });
    const v2 = await hub().virtualNetworks.beginCreateOrUpdateAndWait(IDS.hubRg, 'vnet-x', { ...body, subnets: [body.subnets[0]], tags: undefined }, POLL);
    expect(v2.subnets?.map((s) => s.name)).toEqual(['a']);
    expect(v2.tags).toBeUndefined();
  });

  it('list pages with nextLink and the SDK follows it', async () => {
    await t.control('PUT', '/settings', { pageSize: 2 });
    try {
      for (const n of ['v1', 'v2', 'v3']) {
        await hub().virtualNetworks.beginCreateOrUpdateAndWait(IDS.hubRg, n, { location: IDS.location, addressSpace: { addressPrefixes: ['10.9.0.0/16'] } }, POLL);
      }
      const pages = [];
      for await (const page of hub().virtualNetworks.list(IDS.hubRg).byPage()) pages.push(page.map((v) => v.name));
      expect(pages).toEqual([['v1', 'v2'], ['v3', 'vnet-hub']]);
    } finally {
      await t.control('PUT', '/settings', { pageSize: 100 });
    }
  });

  it('a missing VNet -> 404 ResourceNotFound; a missing resource group -> 404 ResourceGroupNotFound', async () => {
    expect((await rejects(hub().virtualNetworks.get(IDS.hubRg, 'nope'))).code).toBe('ResourceNotFound');
    expect((await rejects(hub().virtualNetworks.get('rg-nope', 'vnet-hub'))).code).toBe('ResourceGroupNotFound');
  });
});

describe('load balancers', () => {
  it('create: frontend IP from the subnet, pools, probes and rules with the references ARM adds', async () => {
    const lb = await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    expect(lb.provisioningState).toBe('Succeeded');
    const fe = lb.frontendIPConfigurations?.[0];
    expect(fe?.privateIPAddress).toBe('10.0.1.4');
    expect(fe?.loadBalancingRules?.map((r) => r.id)).toEqual([`${lb.id}/loadBalancingRules/tcp8000`]);
    expect(lb.backendAddressPools?.[0].loadBalancingRules?.map((r) => r.id)).toEqual([`${lb.id}/loadBalancingRules/tcp8000`]);
    expect(lb.probes?.[0]).toMatchObject({ port: 8000, protocol: 'Tcp', intervalInSeconds: 5 });
    expect(lb.loadBalancingRules?.[0]).toMatchObject({ frontendPort: 8000, backendPort: 8000, disableOutboundSnat: true, idleTimeoutInMinutes: 4 });
    expect(lb.tags).toEqual({ 'managed-by': 'plf', 'plf-forward': 'lb-a' });
  });

  it('update keeps the dynamic frontend IP and changes the etag; a static frontend takes the asked IP', async () => {
    const a = await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    const b = await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a', { tags: { x: 'y' } }), POLL);
    expect(b.frontendIPConfigurations?.[0].privateIPAddress).toBe(a.frontendIPConfigurations?.[0].privateIPAddress);
    expect(b.etag).not.toBe(a.etag);
    const s = await hub().loadBalancers.beginCreateOrUpdateAndWait(
      IDS.hubRg,
      'lb-s',
      lbBody('lb-s', { frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubShared }, privateIPAllocationMethod: 'Static', privateIPAddress: '10.0.1.20' }] }),
      POLL,
    );
    expect(s.frontendIPConfigurations?.[0].privateIPAddress).toBe('10.0.1.20');
  });

  it.each([
    ['rule pointing at a probe that does not exist', (b: ReturnType<typeof lbBody>) => ({ ...b, probes: [] })],
    ['frontend in a missing subnet', (b: ReturnType<typeof lbBody>) => ({ ...b, frontendIPConfigurations: [{ name: 'fe', subnet: { id: `${IDS.hubVnet}/subnets/none` } }] })],
    ['frontend in a delegated subnet', (b: ReturnType<typeof lbBody>) => ({ ...b, frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubJump } }] })],
    ['probe on port 0', (b: ReturnType<typeof lbBody>) => ({ ...b, probes: [{ name: 'tcp8000', protocol: 'Tcp', port: 0 }] })],
  ])('%s -> 400 naming the problem', async (_n, mutate) => {
    const e = await rejects(hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-bad', mutate(lbBody('lb-bad')), POLL));
    expect(e.statusCode).toBe(400);
    expect(e.message.length).toBeGreaterThan(20);
  });

  it('static frontend IP already taken -> 409 PrivateIPAddressInUse', async () => {
    await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    const e = await rejects(
      hub().loadBalancers.beginCreateOrUpdateAndWait(
        IDS.hubRg,
        'lb-b',
        lbBody('lb-b', { frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubShared }, privateIPAllocationMethod: 'Static', privateIPAddress: '10.0.1.4' }] }),
        POLL,
      ),
    );
    expect([e.statusCode, e.code]).toEqual([409, 'PrivateIPAddressInUse']);
  });

  it('backend pool members (joined by the compute provider) show as backendIPConfigurations and block delete', async () => {
    const lb = await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    const member = `/subscriptions/${IDS.hubSub}/resourceGroups/rg-hub/providers/Microsoft.Compute/virtualMachineScaleSets/vmss/virtualMachines/0/networkInterfaces/nic/ipConfigurations/ipc`;
    joinBackendPool(t.emu.runtime, `${lb.id}/backendAddressPools/nodes`, { ipConfigurationId: member, ip: '10.0.1.10' });
    const got = await hub().loadBalancers.get(IDS.hubRg, 'lb-a');
    expect(got.backendAddressPools?.[0].backendIPConfigurations?.map((c) => c.id)).toEqual([member]);
    const e = await rejects(hub().loadBalancers.beginDeleteAndWait(IDS.hubRg, 'lb-a', POLL));
    expect([e.statusCode, e.code]).toEqual([409, 'LoadBalancerInUseByVirtualMachineScaleSet']);
  });

  it('updateTags (PATCH) replaces tags only', async () => {
    await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    const lb = await hub().loadBalancers.updateTags(IDS.hubRg, 'lb-a', { tags: { only: 'this' } });
    expect(lb.tags).toEqual({ only: 'this' });
    expect(lb.frontendIPConfigurations?.[0].privateIPAddress).toBe('10.0.1.4');
  });

  it('delete then get -> 404; list by resource group and subscription', async () => {
    await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-b', lbBody('lb-b'), POLL);
    expect((await all(hub().loadBalancers.list(IDS.hubRg))).map((l) => l.name)).toEqual(['lb-a', 'lb-b']);
    expect((await all(hub().loadBalancers.listAll())).map((l) => l.name)).toEqual(['lb-a', 'lb-b']);
    await hub().loadBalancers.beginDeleteAndWait(IDS.hubRg, 'lb-a', POLL);
    expect((await rejects(hub().loadBalancers.get(IDS.hubRg, 'lb-a'))).statusCode).toBe(404);
  });
});

describe('network interfaces', () => {
  it('get of a missing NIC -> 404; NICs are read-only for clients (PUT -> 405)', async () => {
    expect((await rejects(hub().networkInterfaces.get(IDS.hubRg, 'none'))).statusCode).toBe(404);
    const r = await t.raw('PUT', `/subscriptions/${IDS.hubSub}/resourceGroups/rg-hub/providers/Microsoft.Network/networkInterfaces/n?api-version=2024-07-01`, { body: { location: 'westeurope' } });
    expect(r.status).toBe(405);
  });
});
