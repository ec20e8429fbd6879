import { RestError } from '@azure/core-rest-pipeline';
import { POLL, startTestEmulator, IDS, type TestEmulator } from '../helpers/emulator';
import { createForward, lbBody, plsBody } from '../helpers/network-fixtures';
import { startWebhook, type Webhook } from '../helpers/webhook';

/**
 * Private link services, private endpoints and their connections through the real
 * @azure/arm-network client, including the cross-subscription Pending -> Approved flow that the
 * product automates, with the Event Grid events it reacts to.
 */
let t: TestEmulator;
let hook: Webhook;
beforeAll(async () => {
  t = await startTestEmulator();
  hook = await startWebhook();
});
afterAll(async () => {
  await hook.close();
  await t.stop();
});
beforeEach(async () => {
  await t.control('POST', '/reset');
  hook.events.length = 0;
});

async function rejects(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RestError) return e;
    throw e;
  }
  throw new Error('expected the SDK call to fail');
}

const hub = () => t.network(IDS.hubSub);
const consumer = () => t.network(IDS.consumerSub);

describe('private link service', () => {
  it('create allocates NAT IPs from the subnet, mints an alias and a NIC; get returns it', async () => {
    const pls = await createForward(hub(), 'a');
    expect(pls.provisioningState).toBe('Succeeded');
    expect(pls.alias).toMatch(/^pls-a\.[0-9a-f-]{36}\.westeurope\.azure\.privatelinkservice$/);
    expect(pls.ipConfigurations?.[0].privateIPAddress).toBe('10.0.1.5'); // .4 is the LB frontend
    const nicId = pls.networkInterfaces?.[0].id as string;
    const nic = await hub().networkInterfaces.get(IDS.hubRg, nicId.split('/').pop() as string);
    expect(nic.ipConfigurations?.[0].privateIPAddress).toBe('10.0.1.5');
    const again = await hub().privateLinkServices.get(IDS.hubRg, 'pls-a');
    expect(again.alias).toBe(pls.alias);
  });

  it('update keeps alias and NAT IP, replaces visibility/autoApproval, changes the etag', async () => {
    const pls = await createForward(hub(), 'a');
    const updated = await hub().privateLinkServices.beginCreateOrUpdateAndWait(
      IDS.hubRg,
      'pls-a',
      plsBody('lb-a', { visibility: { subscriptions: ['*'] }, autoApproval: { subscriptions: [IDS.consumerSub] } }),
      POLL,
    );
    expect(updated.alias).toBe(pls.alias);
    expect(updated.ipConfigurations?.[0].privateIPAddress).toBe(pls.ipConfigurations?.[0].privateIPAddress);
    expect(updated.visibility?.subscriptions).toEqual(['*']);
    expect(updated.autoApproval?.subscriptions).toEqual([IDS.consumerSub]);
    expect(updated.etag).not.toBe(pls.etag);
  });

  it.each([
    ['subnet with PLS network policies enabled', { ipConfigurations: [{ name: 'nat0', subnet: { id: `${IDS.spokeLinked}` } }] }, 'InvalidParameter'],
    ['missing frontend', { loadBalancerFrontendIpConfigurations: [{ id: `/subscriptions/${IDS.hubSub}/resourceGroups/rg-hub/providers/Microsoft.Network/loadBalancers/none/frontendIPConfigurations/fe` }] }, 'InvalidParameter'],
    ['NAT IP in a delegated subnet', { ipConfigurations: [{ name: 'nat0', subnet: { id: IDS.hubJump } }] }, 'InvalidParameter'],
    ['more than 8 NAT IPs', { ipConfigurations: Array.from({ length: 9 }, (_, i) => ({ name: `n${i}`, subnet: { id: IDS.hubShared } })) }, 'InvalidParameter'],
  ])('%s -> 400', async (_n, extra, code) => {
    await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    const e = await rejects(hub().privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, 'pls-x', plsBody('lb-a', extra), POLL));
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe(code);
  });

  const ipPool = { name: 'ips', loadBalancerBackendAddresses: [{ name: 'onprem-65', ipAddress: '10.0.1.50', virtualNetwork: { id: IDS.hubVnet } }] };

  it('a service on a load balancer with an IP-based backend pool -> 400 PrivateLinkServiceCannotUseIpBasedBackendPool naming LB and pool; nothing is created', async () => {
    const lb = lbBody('lb-a');
    await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', { ...lb, backendAddressPools: [...(lb.backendAddressPools ?? []), ipPool] }, POLL);
    const e = await rejects(hub().privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, 'pls-x', plsBody('lb-a'), POLL));
    expect([e.statusCode, e.code]).toEqual([400, 'PrivateLinkServiceCannotUseIpBasedBackendPool']);
    expect(e.message).toContain(`/loadBalancers/lb-a`);
    expect(e.message).toContain("'ips'");
    expect(e.message).not.toContain("'nodes'"); // the NIC-based pool is fine
    await expect(hub().privateLinkServices.get(IDS.hubRg, 'pls-x')).rejects.toMatchObject({ statusCode: 404 });
    // No NAT IP was taken: the next address of the subnet is still .5 (.4 is the LB frontend).
    const lb2 = await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-b', lbBody('lb-b'), POLL);
    expect(lb2.frontendIPConfigurations?.[0].privateIPAddress).toBe('10.0.1.5');
  });

  it('an IP-based pool and another bad field: one 400 naming both', async () => {
    const lb = lbBody('lb-a');
    await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', { ...lb, backendAddressPools: [ipPool], loadBalancingRules: [] }, POLL);
    const e = await rejects(hub().privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, 'pls-x', plsBody('lb-a', { ipConfigurations: [{ name: 'nat0', subnet: { id: IDS.hubJump } }] }), POLL));
    expect(e.statusCode).toBe(400);
    expect(e.message).toContain("'ips'");
    expect(e.message).toContain(IDS.hubJump);
  });

  it('adding an IP-based backend pool to a load balancer behind a service -> 400; the load balancer is unchanged', async () => {
    await createForward(hub(), 'a');
    const lb = lbBody('lb-a');
    const e = await rejects(hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', { ...lb, backendAddressPools: [...(lb.backendAddressPools ?? []), ipPool] }, POLL));
    expect([e.statusCode, e.code]).toEqual([400, 'PrivateLinkServiceCannotUseIpBasedBackendPool']);
    expect(e.message).toContain('/privateLinkServices/pls-a');
    expect((await hub().loadBalancers.get(IDS.hubRg, 'lb-a')).backendAddressPools?.map((b) => b.name)).toEqual(['nodes']);
  });

  it('removing a NAT IP configuration is refused', async () => {
    await createForward(hub(), 'a', { ipConfigurations: [{ name: 'nat0', subnet: { id: IDS.hubShared } }, { name: 'nat1', subnet: { id: IDS.hubShared } }] });
    const e = await rejects(hub().privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, 'pls-a', plsBody('lb-a'), POLL));
    expect(e.statusCode).toBe(400);
    expect(e.message).toContain('nat1');
  });

  it('a service on a Basic load balancer -> 400 naming the load balancer and its SKU (NET-8); nothing is created', async () => {
    await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a', { sku: { name: 'Basic' } }), POLL);
    const e = await rejects(hub().privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, 'pls-x', plsBody('lb-a'), POLL));
    expect([e.statusCode, e.code]).toEqual([400, 'InvalidParameter']);
    expect(e.message).toContain('/loadBalancers/lb-a');
    expect(e.message).toContain('Basic');
    await expect(hub().privateLinkServices.get(IDS.hubRg, 'pls-x')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('get of a missing service -> 404 ResourceNotFound', async () => {
    const e = await rejects(hub().privateLinkServices.get(IDS.hubRg, 'nope'));
    expect([e.statusCode, e.code]).toEqual([404, 'ResourceNotFound']);
  });

  it('delete frees the NAT IP and the load balancer can then be deleted', async () => {
    await createForward(hub(), 'a');
    await hub().privateLinkServices.beginDeleteAndWait(IDS.hubRg, 'pls-a', POLL);
    await expect(hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).rejects.toMatchObject({ statusCode: 404 });
    await hub().loadBalancers.beginDeleteAndWait(IDS.hubRg, 'lb-a', POLL);
    // Both addresses are free again: a new LB gets .4 back.
    const lb = await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-b', lbBody('lb-b'), POLL);
    expect(lb.frontendIPConfigurations?.[0].privateIPAddress).toBe('10.0.1.4');
  });
});

describe('private endpoints and connections', () => {
  it.each([
    ['manual request from the consumer subscription', IDS.consumerSub, 'manualPrivateLinkServiceConnections', [], 'Pending'],
    ['consumer subscription in autoApproval', IDS.consumerSub, 'manualPrivateLinkServiceConnections', [IDS.consumerSub], 'Approved'],
    ['automatic request from a subscription in autoApproval', IDS.consumerSub, 'privateLinkServiceConnections', [IDS.consumerSub], 'Approved'],
    ['automatic request with autoApproval *', IDS.consumerSub, 'privateLinkServiceConnections', ['*'], 'Approved'],
    ['automatic request from the provider subscription', IDS.hubSub, 'privateLinkServiceConnections', [], 'Approved'],
  ] as const)('%s', async (_n, sub, kind, autoApproval, status) => {
    const pls = await createForward(hub(), 'a', { autoApproval: { subscriptions: [...autoApproval] } });
    const subnet = sub === IDS.hubSub ? IDS.hubShared : IDS.spokeLinked;
    const rg = sub === IDS.hubSub ? IDS.hubRg : IDS.spokeRg;
    const pe = await t.network(sub).privateEndpoints.beginCreateOrUpdateAndWait(rg, 'pe-a', {
      location: IDS.location,
      subnet: { id: subnet },
      [kind]: [{ name: 'conn', privateLinkServiceId: pls.id, requestMessage: 'please' }],
    }, POLL);
    expect(pe[kind]?.[0].privateLinkServiceConnectionState?.status).toBe(status);
    const conns = [];
    for await (const c of hub().privateLinkServices.listPrivateEndpointConnections(IDS.hubRg, 'pls-a')) conns.push(c);
    expect(conns.map((c) => [c.privateEndpoint?.id, c.privateLinkServiceConnectionState?.status])).toEqual([[pe.id, status]]);
  });

  it('automatic request from a subscription neither the provider nor in autoApproval -> 403 LinkedAuthorizationFailed; nothing is created', async () => {
    const pls = await createForward(hub(), 'a', { autoApproval: { subscriptions: [IDS.consumer2Sub] } });
    const publishedBefore = t.emu.runtime.events.published.length;
    const e = await rejects(
      consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
        location: IDS.location,
        subnet: { id: IDS.spokeLinked },
        privateLinkServiceConnections: [{ name: 'conn', privateLinkServiceId: pls.id }],
      }, POLL),
    );
    expect([e.statusCode, e.code]).toEqual([403, 'LinkedAuthorizationFailed']);
    expect(e.message).toContain("has permission to perform action 'Microsoft.Network/privateEndpoints/write'");
    expect(e.message).toContain("'Microsoft.Network/privateLinkServices/privateEndpointConnectionsApproval/action' on the linked scope(s)");
    expect(e.message).toContain(pls.id as string);
    // No endpoint, NIC, connection or event; the address is still free.
    await expect(consumer().privateEndpoints.get(IDS.spokeRg, 'pe-a')).rejects.toMatchObject({ statusCode: 404 });
    const nics = [];
    for await (const n of consumer().networkInterfaces.list(IDS.spokeRg)) nics.push(n);
    expect(nics).toEqual([]);
    expect((await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections).toEqual([]);
    expect(t.emu.runtime.events.published.slice(publishedBefore)).toEqual([]);
    // The same consumer asking manually gets in, Pending, with the first address of the subnet.
    const pe = await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'conn', privateLinkServiceId: pls.id, requestMessage: 'please' }],
    }, POLL);
    expect(pe.manualPrivateLinkServiceConnections?.[0].privateLinkServiceConnectionState?.status).toBe('Pending');
    const nic = await consumer().networkInterfaces.get(IDS.spokeRg, (pe.networkInterfaces?.[0].id as string).split('/').pop() as string);
    expect(nic.ipConfigurations?.[0].privateIPAddress).toBe('10.1.0.4');
  });

  it('automatic request to a service the subscription cannot see -> still the 400 ThirdParty... (visibility is checked first)', async () => {
    const pls = await createForward(hub(), 'a', { visibility: { subscriptions: [] } });
    const e = await rejects(
      consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
        location: IDS.location,
        subnet: { id: IDS.spokeLinked },
        privateLinkServiceConnections: [{ name: 'conn', privateLinkServiceId: pls.id }],
      }, POLL),
    );
    expect([e.statusCode, e.code]).toEqual([400, 'ThirdPartyPrivateLinkServiceProvidedDuringPrivateEndpointCreationDoesNotExistOrIsNotVisible']);
  });

  it('the endpoint NIC holds an address from the endpoint subnet', async () => {
    const pls = await createForward(hub(), 'a');
    const pe = await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
    }, POLL);
    const nicName = (pe.networkInterfaces?.[0].id as string).split('/').pop() as string;
    const nic = await consumer().networkInterfaces.get(IDS.spokeRg, nicName);
    expect(nic.ipConfigurations?.[0].privateIPAddress).toBe('10.1.0.4');
    expect(nic.ipConfigurations?.[0].subnet?.id).toBe(IDS.spokeLinked);
  });

  it('an endpoint can address the service by alias', async () => {
    const pls = await createForward(hub(), 'a');
    const pe = await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.alias }],
    }, POLL);
    expect(pe.manualPrivateLinkServiceConnections?.[0].privateLinkServiceId).toBe(pls.id);
  });

  it.each([
    ['service not visible to the consumer subscription', { visibility: { subscriptions: [] } }],
    ['service that does not exist', undefined],
  ])('endpoint to a %s -> 400 like ARM', async (_n, vis) => {
    const pls = await createForward(hub(), 'a', vis ?? {});
    const target = vis ? pls.id : `${pls.id}-missing`;
    const e = await rejects(
      consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
        location: IDS.location,
        subnet: { id: IDS.spokeLinked },
        manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: target }],
      }, POLL),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('ThirdPartyPrivateLinkServiceProvidedDuringPrivateEndpointCreationDoesNotExistOrIsNotVisible');
  });

  it('an endpoint in a subnet delegated to container groups -> 400', async () => {
    const pls = await createForward(hub(), 'a');
    const e = await rejects(
      consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
        location: IDS.location,
        subnet: { id: IDS.spokeJump },
        manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
      }, POLL),
    );
    expect([e.statusCode, e.code]).toEqual([400, 'PrivateEndpointCannotBeCreatedInDelegatedSubnet']);
  });

  it('cross-subscription endpoint arrives Pending, approval makes it Approved and events reach the webhook', async () => {
    await t.control('POST', '/eventgrid/subscriptions', {
      name: 'plf-connections',
      endpointUrl: hook.url,
      includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'],
      advancedFilters: [
        { operatorType: 'StringIn', key: 'data.operationName', values: ['Microsoft.Network/privateEndpoints/write', 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write'] },
      ],
    });
    const pls = await createForward(hub(), 'a');
    const pe = await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id, requestMessage: 'team x' }],
    }, POLL);
    expect(pe.manualPrivateLinkServiceConnections?.[0].privateLinkServiceConnectionState?.status).toBe('Pending');
    const [conn] = (await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections ?? [];
    const approved = await hub().privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'pls-a', conn.name as string, {
      privateLinkServiceConnectionState: { status: 'Approved', description: 'allowed by policy' },
    });
    expect(approved.privateLinkServiceConnectionState?.status).toBe('Approved');
    const peAfter = await consumer().privateEndpoints.get(IDS.spokeRg, 'pe-a');
    expect(peAfter.manualPrivateLinkServiceConnections?.[0].privateLinkServiceConnectionState).toMatchObject({ status: 'Approved', description: 'allowed by policy' });
    const events = await hook.waitFor((es) => es.filter((e) => e.subject === conn.id).length >= 2 && es.filter((e) => e.subject === pe.id).length >= 2);
    // Creation + approval, for the connection (provider subscription) and the endpoint (consumer subscription).
    expect(events.filter((e) => e.subject === conn.id).map((e) => e.data.operationName)).toEqual([
      'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
      'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
    ]);
    expect(events.find((e) => e.subject === pe.id)?.topic).toBe(`/subscriptions/${IDS.consumerSub}`);
    // The filter kept out everything else (the LB and PLS writes).
    expect(events.every((e) => e.subject === conn.id || e.subject === pe.id)).toBe(true);
  });

  it.each([
    ['Pending -> Rejected', 'Rejected', undefined, 200, undefined],
    ['Pending -> Approved', 'Approved', undefined, 200, undefined],
    ['Rejected -> Approved is refused (NET-4)', 'Approved', 'Rejected', 400, 'BadRequest'],
    ['Rejected -> Pending is refused too (NET-4)', 'Pending', 'Rejected', 400, 'BadRequest'],
    ['Rejected -> Rejected again', 'Rejected', 'Rejected', 200, undefined],
    ['unknown status', 'Maybe', undefined, 400, 'InvalidParameter'],
  ])('connection update %s', async (_n, status, before, code, errorCode) => {
    const pls = await createForward(hub(), 'a');
    await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
    }, POLL);
    const [conn] = (await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections ?? [];
    if (before) await hub().privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'pls-a', conn.name as string, { privateLinkServiceConnectionState: { status: before } });
    const call = hub().privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'pls-a', conn.name as string, { privateLinkServiceConnectionState: { status } });
    if (code === 200) expect((await call).privateLinkServiceConnectionState?.status).toBe(status);
    else {
      const e = await rejects(call);
      expect([e.statusCode, e.code]).toEqual([code, errorCode]);
      if (before) expect((await hub().privateLinkServices.getPrivateEndpointConnection(IDS.hubRg, 'pls-a', conn.name as string)).privateLinkServiceConnectionState?.status).toBe(before);
    }
  });

  /** LB + PLS and one Pending consumer endpoint; returns the connection as listed by the provider. */
  async function pendingConnection(): Promise<{ name: string; id: string; peId: string }> {
    const pls = await createForward(hub(), 'a');
    const pe = await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
    }, POLL);
    const [conn] = (await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections ?? [];
    return { name: conn.name as string, id: conn.id as string, peId: pe.id as string };
  }

  it.each([
    ['a name the service never had', async () => 'pe-a.00000000-0000-0000-0000-000000000000'],
    [
      'a connection the provider deleted since it was listed',
      async (name: string) => {
        await hub().privateLinkServices.beginDeletePrivateEndpointConnectionAndWait(IDS.hubRg, 'pls-a', name, POLL);
        return name;
      },
    ],
    [
      'a connection whose endpoint the consumer deleted since it was listed',
      async (name: string) => {
        await consumer().privateEndpoints.beginDeleteAndWait(IDS.spokeRg, 'pe-a', POLL);
        return name;
      },
    ],
  ])('approving %s -> 400 PrivateEndpointConnectionCannotBeCreatedByServiceProvider, nothing is created (NET-3)', async (_n, target) => {
    const conn = await pendingConnection();
    const name = await target(conn.name);
    const e = await rejects(hub().privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'pls-a', name, { name, privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' } }));
    expect([e.statusCode, e.code]).toEqual([400, 'PrivateEndpointConnectionCannotBeCreatedByServiceProvider']);
    await expect(hub().privateLinkServices.getPrivateEndpointConnection(IDS.hubRg, 'pls-a', name)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('approving a connection of a service that does not exist -> 404 ResourceNotFound naming the service', async () => {
    const e = await rejects(hub().privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'pls-none', 'c', { privateLinkServiceConnectionState: { status: 'Approved' } }));
    expect([e.statusCode, e.code]).toEqual([404, 'ResourceNotFound']);
    expect(e.message).toContain('pls-none');
  });

  it.each([
    ['the published body (name + properties.privateEndpoint.id of this connection)', (c: { name: string; peId: string }) => ({ name: c.name, properties: { privateEndpoint: { id: c.peId } } }), 200, []],
    ['the body the SDK sends (name; privateEndpoint is read-only)', (c: { name: string; peId: string }) => ({ name: c.name, properties: {} }), 200, []],
    ['a name that is not the one in the URL', (c: { name: string; peId: string }) => ({ name: `${c.name}-other`, properties: { privateEndpoint: { id: c.peId } } }), 400, ['-other']],
    ['another endpoint id and another name (both named)', (c: { name: string; peId: string }) => ({ name: 'x', properties: { privateEndpoint: { id: `${c.peId}-other` } } }), 400, ["name 'x'", `${'pe-a'}-other`]],
  ] as const)('approval body: %s (NET-5)', async (_n, shape, status, named) => {
    const conn = await pendingConnection();
    const b = shape(conn);
    const r = await t.raw<{ error?: { code: string; message: string }; properties?: { privateLinkServiceConnectionState: { status: string } } }>('PUT', `${conn.id}?api-version=2024-07-01`, {
      body: { ...b, properties: { ...b.properties, privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' } } },
    });
    expect(r.status).toBe(status);
    if (status === 200) expect(r.body.properties?.privateLinkServiceConnectionState.status).toBe('Approved');
    else {
      expect(r.body.error?.code).toBe('InvalidParameter');
      for (const n of named) expect(r.body.error?.message).toContain(n);
      expect((await hub().privateLinkServices.getPrivateEndpointConnection(IDS.hubRg, 'pls-a', conn.name)).privateLinkServiceConnectionState?.status).toBe('Pending');
    }
  });

  it('stale If-Match on a connection update -> 412', async () => {
    const pls = await createForward(hub(), 'a');
    await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
    }, POLL);
    const [conn] = (await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections ?? [];
    const r = await t.raw<{ error: { code: string } }>('PUT', `${conn.id}?api-version=2024-07-01`, {
      body: { properties: { privateLinkServiceConnectionState: { status: 'Approved' } } },
      headers: { 'if-match': 'W/"old"' },
    });
    expect([r.status, r.body.error.code]).toEqual([412, 'PreconditionFailed']);
  });

  it('provider deletes the connection: the endpoint shows Disconnected; get of the connection -> 404', async () => {
    const pls = await createForward(hub(), 'a');
    await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
    }, POLL);
    const [conn] = (await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections ?? [];
    await hub().privateLinkServices.beginDeletePrivateEndpointConnectionAndWait(IDS.hubRg, 'pls-a', conn.name as string, POLL);
    await expect(hub().privateLinkServices.getPrivateEndpointConnection(IDS.hubRg, 'pls-a', conn.name as string)).rejects.toMatchObject({ statusCode: 404 });
    const pe = await consumer().privateEndpoints.get(IDS.spokeRg, 'pe-a');
    expect(pe.manualPrivateLinkServiceConnections?.[0].privateLinkServiceConnectionState?.status).toBe('Disconnected');
  });

  it('deleting the endpoint removes its NIC, frees its IP and removes the connection', async () => {
    const pls = await createForward(hub(), 'a');
    const pe = await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
    }, POLL);
    await consumer().privateEndpoints.beginDeleteAndWait(IDS.spokeRg, 'pe-a', POLL);
    const nicName = (pe.networkInterfaces?.[0].id as string).split('/').pop() as string;
    await expect(consumer().networkInterfaces.get(IDS.spokeRg, nicName)).rejects.toMatchObject({ statusCode: 404 });
    expect((await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections).toEqual([]);
    await consumer().privateEndpoints.beginDeleteAndWait(IDS.spokeRg, 'pe-a', POLL); // idempotent: 204
  });

  it('a consumer endpoint created through the control API behaves like one created with the SDK', async () => {
    const pls = await createForward(hub(), 'a');
    const r = await t.control<{ properties: { manualPrivateLinkServiceConnections: Array<{ properties: { privateLinkServiceConnectionState: { status: string } } }> } }>(
      'POST',
      '/consumer-endpoints',
      { subnetId: IDS.spokeLinked, name: 'pe-ctl', alias: pls.alias },
    );
    expect(r.status).toBe(201);
    const pe = await consumer().privateEndpoints.get(IDS.spokeRg, 'pe-ctl');
    expect(pe.manualPrivateLinkServiceConnections?.[0].privateLinkServiceConnectionState?.status).toBe('Pending');
  });

  it('control API consumer endpoint with manual: false from a foreign subscription -> 403 LinkedAuthorizationFailed', async () => {
    const pls = await createForward(hub(), 'a');
    const r = await t.control<{ error: { code: string } }>('POST', '/consumer-endpoints', { subnetId: IDS.spokeLinked, name: 'pe-ctl', privateLinkServiceId: pls.id, manual: false });
    expect([r.status, r.body.error.code]).toEqual([403, 'LinkedAuthorizationFailed']);
  });
});

describe('dependency conflicts', () => {
  it.each([
    ['load balancer behind a private link service (NET-2)', async () => hub().loadBalancers.beginDeleteAndWait(IDS.hubRg, 'lb-a', POLL), 400, 'CannotDeleteLoadBalancerWithPrivateLinkService'],
    ['subnet holding NAT IPs and a frontend', async () => hub().subnets.beginDeleteAndWait(IDS.hubRg, 'vnet-hub', 'shared', POLL), 409, 'InUseSubnetCannotBeDeleted'],
    ['virtual network whose subnet is in use', async () => hub().virtualNetworks.beginDeleteAndWait(IDS.hubRg, 'vnet-hub', POLL), 409, 'InUseSubnetCannotBeDeleted'],
  ])('deleting a %s -> %s %s', async (_n, del, status, code) => {
    await createForward(hub(), 'a');
    const e = await rejects(del());
    expect([e.statusCode, e.code]).toEqual([status, code]);
  });
});

describe('deleting a private link service that has connections (NET-1, NET-6)', () => {
  /** A forward with one endpoint per wanted state (consumer subscription, manual requests). */
  async function withConnections(states: Array<'Pending' | 'Approved'>): Promise<string[]> {
    const pls = await createForward(hub(), 'a');
    const peIds: string[] = [];
    for (const [i, st] of states.entries()) {
      const pe = await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, `pe-${i}`, {
        location: IDS.location,
        subnet: { id: IDS.spokeLinked },
        manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
      }, POLL);
      peIds.push(pe.id as string);
      if (st === 'Approved') {
        const conn = (await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections?.find((c) => c.privateEndpoint?.id === pe.id);
        await hub().privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'pls-a', conn?.name as string, { privateLinkServiceConnectionState: { status: 'Approved' } });
      }
    }
    return peIds;
  }

  it.each([
    ['one Pending connection', ['Pending'], '1 private endpoint connection.'],
    ['an Approved and a Pending connection', ['Approved', 'Pending'], '2 private endpoint connections.'],
  ] as const)('with %s -> 400 PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted; service and connections stay', async (_n, states, count) => {
    await withConnections([...states]);
    const e = await rejects(hub().privateLinkServices.beginDeleteAndWait(IDS.hubRg, 'pls-a', POLL));
    expect([e.statusCode, e.code]).toEqual([400, 'PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted']);
    expect(e.message).toContain(count);
    const pls = await hub().privateLinkServices.get(IDS.hubRg, 'pls-a');
    expect(pls.provisioningState).toBe('Succeeded');
    expect(pls.privateEndpointConnections?.map((c) => c.privateLinkServiceConnectionState?.status).sort()).toEqual([...states].sort());
  });

  it('a connection delete is long-running (202 + Location); while it runs the service still cannot be deleted; after it, the service can', async () => {
    const [peId] = await withConnections(['Approved']);
    const [conn] = (await hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections ?? [];
    await t.control('PUT', '/settings', { lroDelayMs: 3_600_000 });
    try {
      const del = await t.raw('DELETE', `${conn.id}?api-version=2024-07-01`);
      expect(del.status).toBe(202);
      expect(del.headers.location).toBeDefined();
      expect((await hub().privateLinkServices.getPrivateEndpointConnection(IDS.hubRg, 'pls-a', conn.name as string)).provisioningState).toBe('Deleting');
      const blocked = await t.raw<{ error: { code: string } }>('DELETE', `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/pls-a?api-version=2024-07-01`);
      expect([blocked.status, blocked.body.error.code]).toEqual([400, 'PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted']);
      await t.control('POST', '/operations/settle');
    } finally {
      await t.control('PUT', '/settings', { lroDelayMs: 0 });
    }
    await hub().privateLinkServices.beginDeleteAndWait(IDS.hubRg, 'pls-a', POLL);
    await expect(hub().privateLinkServices.get(IDS.hubRg, 'pls-a')).rejects.toMatchObject({ statusCode: 404 });
    // The endpoint outlives the service and shows its connection as Disconnected.
    const pe = await consumer().privateEndpoints.get(IDS.spokeRg, peId.split('/').pop() as string);
    expect(pe.manualPrivateLinkServiceConnections?.[0].privateLinkServiceConnectionState?.status).toBe('Disconnected');
  });
});
