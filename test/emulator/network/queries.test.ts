import { POLL, startTestEmulator, IDS, type TestEmulator } from '../helpers/emulator';
import { createForward } from '../helpers/network-fixtures';
import { ipOwnerInVnet, privateLinkServiceFrontends, resolveName, rulesForPort } from '../../../tools/emulator/providers/network/queries';

/** The read-only network queries the data path builds on, over state created with the real SDKs. */
let t: TestEmulator;
let plsId = '';
let peIp = '';
beforeAll(async () => {
  t = await startTestEmulator();
  const pls = await createForward(t.network(), 'a');
  plsId = pls.id as string;
  const pe = await t.network(IDS.consumerSub).privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', {
    location: IDS.location,
    subnet: { id: IDS.spokeLinked },
    manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: plsId }],
  }, POLL);
  const nic = await t.network(IDS.consumerSub).networkInterfaces.get(IDS.spokeRg, (pe.networkInterfaces?.[0].id as string).split('/').pop() as string);
  peIp = nic.ipConfigurations?.[0].privateIPAddress as string;
  await t.privateDns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'onprem-server', { ttl: 3600, aRecords: [{ ipv4Address: peIp }] });
});
afterAll(async () => t.stop());

describe('network queries', () => {
  it.each([
    ['record in a zone linked to the spoke', IDS.spokeVnet, 'onprem-server.internal.net', ['10.1.0.4'], undefined],
    ['trailing dot and upper case', IDS.spokeVnet, 'OnPrem-Server.internal.net.', ['10.1.0.4'], undefined],
    ['missing record', IDS.spokeVnet, 'nothing.internal.net', [], "zone internal.net has no A record 'nothing'"],
    ['zone not linked to the hub VNet', IDS.hubVnet, 'onprem-server.internal.net', [], 'no private DNS zone linked'],
  ])('resolveName: %s', (_n, vnet, name, ips, reason) => {
    const r = resolveName(t.emu.runtime, vnet, name);
    expect(r.ips).toEqual(ips);
    if (reason) expect(r.reason).toContain(reason);
    else expect(r.reason).toBeUndefined();
  });

  it('ipOwnerInVnet finds the endpoint, its connection state and service; the LB frontend; nothing for a free IP', () => {
    const pe = ipOwnerInVnet(t.emu.runtime, IDS.spokeVnet, peIp);
    expect(pe).toMatchObject({ kind: 'privateEndpoint', connection: { status: 'Pending', privateLinkServiceId: plsId } });
    const fe = ipOwnerInVnet(t.emu.runtime, IDS.hubVnet, '10.0.1.4');
    expect(fe).toMatchObject({ kind: 'loadBalancerFrontend', frontendName: 'fe' });
    expect(ipOwnerInVnet(t.emu.runtime, IDS.hubVnet, '10.0.1.5')).toMatchObject({ kind: 'privateLinkServiceNat' });
    expect(ipOwnerInVnet(t.emu.runtime, IDS.hubVnet, '10.0.1.40')).toBeUndefined();
  });

  it('privateLinkServiceFrontends and rulesForPort follow PLS -> LB frontend -> rule -> probe', () => {
    const [fe] = privateLinkServiceFrontends(t.emu.runtime, plsId);
    expect(fe).toMatchObject({ frontendName: 'fe', ip: '10.0.1.4' });
    const rules = rulesForPort(fe.loadBalancer, fe.frontendName, 8000);
    expect(rules).toMatchObject([{ ruleName: 'tcp8000', backendPort: 8000, probe: { protocol: 'Tcp', port: 8000, intervalInSeconds: 5 } }]);
    expect(rules[0].backendPoolId).toMatch(/backendAddressPools\/nodes$/);
    expect(rulesForPort(fe.loadBalancer, fe.frontendName, 9000)).toEqual([]);
  });
});
