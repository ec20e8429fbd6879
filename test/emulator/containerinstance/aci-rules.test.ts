import type { ContainerGroup } from '@azure/arm-containerinstance';
import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { POLL, IDS, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { containerExit, parsePortLog } from '../../../core/probes';
import { containerViewOf } from '../../../azure/container-group/service';

/**
 * Container groups against the rules of tools/emulator/AZURE-RULES.md "Container instances
 * (probes)": images the registry cannot serve (ACI-6, ACI-7, ACI-8, ACI-12), name resolution with and without
 * `dnsConfig` (ACI-9, ACI-10, ACI-11) and a delegated subnet that holds something else (ACI-4).
 * A forward with a private link service, a consumer endpoint in the spoke and a zone linked to the
 * HUB only (`hubonly.example`, record `fe` -> the endpoint): a spoke group reaches it by name only
 * through a name server in the hub. The forward has a second port, 8080 -> 8081, whose rule is
 * health-probed on 8000: nothing listens on 8081, so a connect to 8080 is reset (refused).
 */
let emu: TestEmulator;
let fwd: ForwarderFixture;
let resolverIp: string;
let peIp: string;
const aci = () => emu.containers(IDS.consumerSub);
const settings = (body: object) => emu.control('PUT', '/containerinstance/settings', body);
const PINNED = 'mcr.microsoft.com/azurelinux/busybox@sha256:330ce7e940f7476089c4c74565c63767988e188b06988e58e76b54890e7f621b';

const group = (o: { image?: string; command?: string[]; nameServers?: unknown; subnet?: string } = {}): ContainerGroup => ({
  location: IDS.location,
  osType: 'Linux',
  restartPolicy: 'Never',
  subnetIds: [{ id: o.subnet ?? IDS.spokeJump }],
  ...(o.nameServers !== undefined ? { dnsConfig: { nameServers: o.nameServers as string[] } } : {}),
  containers: [{ name: 'probe', image: o.image ?? PINNED, command: o.command ?? ['time', 'nc', '-zvv', '-w', '2', 'fe.hubonly.example', '8000'], resources: { requests: { cpu: 0.1, memoryInGB: 0.1 } } }],
});
/** The exit the product reads (ACI-13: a `Never` container that exited non-zero is restarted, its first exit in previousState). */
const exitOf = (cg: ContainerGroup) => containerExit(containerViewOf(cg.containers[0].instanceView))?.exitCode;
const logs = async (name: string) => (await aci().containers.listLogs(IDS.spokeRg, name, 'probe')).content ?? '';

beforeAll(async () => {
  emu = await startTestEmulator();
  fwd = await buildForwarder(emu, { name: 'acidns', capacity: 1, pls: true, ports: [{ port: 8000, targetPort: 8000 }, { port: 8080, targetPort: 8081 }] });
  const lb = await emu.network().loadBalancers.get(IDS.hubRg, fwd.lbName);
  for (const rule of lb.loadBalancingRules ?? []) rule.probe = { id: `${fwd.lbId}/probes/p8000` };
  await emu.network().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, fwd.lbName, lb, POLL);
  // The "DNS forwarder" of the hub: an address a hub VM holds (a forward node), resolving like Azure DNS of the hub.
  resolverIp = fwd.nodeIps[0];
  const consumer = emu.network(IDS.consumerSub);
  const pe = await consumer.privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-acidns', {
    location: IDS.location,
    subnet: { id: IDS.spokeLinked },
    manualPrivateLinkServiceConnections: [{ name: 'to-acidns', privateLinkServiceId: fwd.plsId, requestMessage: 'please' }],
  }, POLL);
  const nicName = String(pe.networkInterfaces?.[0].id).split('/').pop()!;
  peIp = String((await consumer.networkInterfaces.get(IDS.spokeRg, nicName)).ipConfigurations?.[0].privateIPAddress);
  for await (const c of emu.network().privateLinkServices.listPrivateEndpointConnections(IDS.hubRg, 'acidns-pls')) {
    await emu.network().privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'acidns-pls', String(c.name), { privateLinkServiceConnectionState: { status: 'Approved', description: 'test' } });
  }
  const dns = emu.privateDns();
  await dns.privateZones.beginCreateOrUpdateAndWait(IDS.hubRg, 'hubonly.example', { location: 'global' }, POLL);
  await dns.virtualNetworkLinks.beginCreateOrUpdateAndWait(IDS.hubRg, 'hubonly.example', 'link-hub', { location: 'global', virtualNetwork: { id: IDS.hubVnet }, registrationEnabled: false }, POLL);
  await dns.recordSets.createOrUpdate(IDS.hubRg, 'hubonly.example', 'A', 'fe', { ttl: 300, aRecords: [{ ipv4Address: peIp }] });
});
afterAll(() => emu?.stop());

describe('an image the registry cannot serve (ACI-6, ACI-7, ACI-8, ACI-12)', () => {
  afterEach(() => settings({ pullRetryMs: 10_000, pullGiveUpMs: 900_000 }));

  it('while ACI retries: the create is still running, the container waits with Pulling / Failed / BackOff events, and the group can be deleted', async () => {
    await settings({ pullGiveUpMs: 600_000 });
    const image = 'mcr.microsoft.com/azurelinux/busybox:9.99';
    await aci().containerGroups.beginCreateOrUpdate(IDS.spokeRg, 'cg-pulling', group({ image }));
    const cg = await aci().containerGroups.get(IDS.spokeRg, 'cg-pulling');
    expect([cg.provisioningState, cg.instanceView?.state]).toEqual(['Creating', 'Pending']);
    const view = cg.containers[0].instanceView!;
    expect(view.currentState?.state).toBe('Waiting');
    expect(view.events?.map((e) => [e.name, e.type, e.count])).toEqual([
      ['Pulling', 'Normal', 1],
      ['Failed', 'Warning', 1],
      ['BackOff', 'Normal', 1],
    ]);
    expect(view.events?.find((e) => e.name === 'Failed')?.message).toBe(`Failed to pull image "${image}": rpc error: code 2 desc Error: image ${image} not found`);
    expect(await logs('cg-pulling')).toBe('');
    await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, 'cg-pulling', POLL);
    await expect(aci().containerGroups.get(IDS.spokeRg, 'cg-pulling')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('each retry counts on the same events', async () => {
    await settings({ pullRetryMs: 0, pullGiveUpMs: 600_000 });
    await aci().containerGroups.beginCreateOrUpdate(IDS.spokeRg, 'cg-retry', group({ image: 'busybox:latest' }));
    const counts = (await aci().containerGroups.get(IDS.spokeRg, 'cg-retry')).containers[0].instanceView!.events!.map((e) => e.count!);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeGreaterThan(1);
    await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, 'cg-retry', POLL);
  });

  it('once ACI gives up: the deployment fails (InaccessibleImage) and the group stays Failed with its events', async () => {
    await settings({ pullGiveUpMs: 0 });
    await expect(aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-gaveup', group({ image: `${PINNED.split('@')[0]}@sha256:${'0'.repeat(64)}` }), POLL)).rejects.toThrow(/InaccessibleImage|Failed to pull image/);
    const cg = await aci().containerGroups.get(IDS.spokeRg, 'cg-gaveup');
    expect([cg.provisioningState, cg.instanceView?.state]).toEqual(['Failed', 'Failed']);
    expect(cg.containers[0].instanceView?.events?.map((e) => e.name)).toEqual(['Pulling', 'Failed', 'BackOff']);
    await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, 'cg-gaveup', POLL);
  });

  it.each([
    ['the pinned Azure Linux busybox digest', PINNED],
    ['the Azure Linux busybox 1.36 tag', 'mcr.microsoft.com/azurelinux/busybox:1.36'],
  ])('%s pulls: Pulling, Pulled, Started, and the command runs', async (_situation, image) => {
    const cg = await aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-known', group({ image, command: ['nc', '-z', '10.9.9.9', '1'] }), POLL);
    expect(cg.provisioningState).toBe('Succeeded');
    const got = await aci().containerGroups.get(IDS.spokeRg, 'cg-known');
    expect(got.containers[0].instanceView?.events?.map((e) => e.name)).toEqual(['Pulling', 'Pulled', 'Started']);
    // Exit 1 under `Never`: the platform restarts it (ACI-13); the product reads the first exit.
    expect(containerExit(containerViewOf(got.containers[0].instanceView))).toEqual({ exitCode: 1 });
    await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, 'cg-known', POLL);
  });
});

describe('name resolution in a container group (ACI-9, ACI-10, ACI-11)', () => {
  const name = 'fe.hubonly.example';
  const open = new RegExp(`^fe\\.hubonly\\.example \\(\\d+\\.\\d+\\.\\d+\\.\\d+:8000\\) open\\nsent 0, rcvd 0\\nreal\\t`);
  const bad = new RegExp(`^nc: bad address '${name.replace(/\./g, '\\.')}'\\nCommand exited with non-zero status 1\\nreal\\t`);

  it("the spoke VNet's custom DNS servers point at the hub resolver, the group has no dnsConfig: Azure DNS of the spoke, bad address", async () => {
    const net = emu.network(IDS.consumerSub);
    const vnet = await net.virtualNetworks.get(IDS.spokeRg, 'vnet-spoke');
    await net.virtualNetworks.beginCreateOrUpdateAndWait(IDS.spokeRg, 'vnet-spoke', { ...vnet, dhcpOptions: { dnsServers: [resolverIp] } }, POLL);
    try {
      expect((await net.virtualNetworks.get(IDS.spokeRg, 'vnet-spoke')).dhcpOptions?.dnsServers).toEqual([resolverIp]);
      await aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-inherit', group(), POLL);
      expect(exitOf(await aci().containerGroups.get(IDS.spokeRg, 'cg-inherit'))).toBe(1);
      expect(await logs('cg-inherit')).toMatch(bad);
      await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, 'cg-inherit', POLL);
    } finally {
      const now = await net.virtualNetworks.get(IDS.spokeRg, 'vnet-spoke');
      await net.virtualNetworks.beginCreateOrUpdateAndWait(IDS.spokeRg, 'vnet-spoke', { ...now, dhcpOptions: { dnsServers: [] } }, POLL);
    }
  });

  it.each<[string, string[], RegExp, number]>([
    ['dnsConfig names the hub resolver: the hub-linked zone answers, the port is open', ['RESOLVER'], open, 0],
    ['a silent server first, then the hub resolver: the next server answers', ['10.9.9.9', 'RESOLVER'], open, 0],
    ['only a server nothing holds: no answer, bad address', ['10.9.9.9'], bad, 1],
    ['Azure-provided DNS named explicitly: the spoke-linked zones only, bad address', ['168.63.129.16'], bad, 1],
  ])('%s', async (_situation, servers, output, exitCode) => {
    const nameServers = servers.map((x) => (x === 'RESOLVER' ? resolverIp : x));
    await aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-dns', group({ nameServers }), POLL);
    const cg = await aci().containerGroups.get(IDS.spokeRg, 'cg-dns');
    expect(cg.dnsConfig?.nameServers).toEqual(nameServers);
    expect(exitOf(cg)).toBe(exitCode);
    expect(await logs('cg-dns')).toMatch(output);
    await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, 'cg-dns', POLL);
  });

  it.each<[string, unknown, RegExp]>([
    ['no name servers', [], /dnsConfig\.nameServers is required/],
    ['a name server that is not an IP address', ['dns.example'], /dnsConfig\.nameServers\[0\] must be an IPv4 address/],
  ])('dnsConfig with %s is 400 naming it', async (_situation, nameServers, message) => {
    await expect(aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-baddns', group({ nameServers }), POLL)).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(message) });
    await expect(aci().containerGroups.get(IDS.spokeRg, 'cg-baddns')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('busybox output through a real group, read by the product (ACI-1, ACI-2)', () => {
  it.each<[string, () => string[], number, (ip: string) => string, object]>([
    ['open: the open line, sent/rcvd, the times', () => ['time', 'nc', '-zvv', '-w', '2', peIp, '8000'], 0, (ip) => `${ip} (${ip}:8000) open\nsent 0, rcvd 0\nreal\t0m 0.01s\nuser\t0m 0.00s\nsys\t0m 0.00s\n`, { ok: true, latencyMs: 10 }],
    [
      'refused at -vv: Connection refused, then the status line of time',
      () => ['time', 'nc', '-zvv', '-w', '2', peIp, '8080'],
      1,
      (ip) => `nc: ${ip} (${ip}:8080): Connection refused\nsent 0, rcvd 0\nCommand exited with non-zero status 1\nreal\t0m 0.01s\nuser\t0m 0.00s\nsys\t0m 0.00s\n`,
      { ok: false, stage: 'connect', connect: 'refused' },
    ],
    ['refused at -v: nc says nothing, time only (why the product asks -vv)', () => ['time', 'nc', '-zv', '-w', '2', peIp, '8080'], 1, () => `Command exited with non-zero status 1\nreal\t0m 0.01s\nuser\t0m 0.00s\nsys\t0m 0.00s\n`, { ok: false, stage: 'infrastructure' }],
  ])('%s', async (_situation, command, exitCode, output, verdict) => {
    await aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-out', group({ command: command() }), POLL);
    const cg = await aci().containerGroups.get(IDS.spokeRg, 'cg-out');
    expect(exitOf(cg)).toBe(exitCode);
    const log = await logs('cg-out');
    expect(log).toBe(output(peIp));
    const port = Number(command()[6]);
    expect(parsePortLog(port, exitCode, log)).toMatchObject(verdict);
    await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, 'cg-out', POLL);
  });
});

describe('a delegated subnet that holds another resource type (ACI-4)', () => {
  it('a container group there is 400 naming what the subnet holds', async () => {
    const net = emu.network();
    const mixed = `${IDS.hubVnet}/subnets/mixed`;
    await net.subnets.beginCreateOrUpdateAndWait(IDS.hubRg, 'vnet-hub', 'mixed', { addressPrefix: '10.0.1.96/28' }, POLL);
    await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-mixed', { location: IDS.location, sku: { name: 'Standard' }, frontendIPConfigurations: [{ name: 'fe', subnet: { id: mixed } }] }, POLL);
    try {
      await net.subnets.beginCreateOrUpdateAndWait(IDS.hubRg, 'vnet-hub', 'mixed', { addressPrefix: '10.0.1.96/28', delegations: [{ name: 'aci', serviceName: 'Microsoft.ContainerInstance/containerGroups' }] }, POLL);
      const hub = emu.containers(IDS.hubSub);
      await expect(hub.containerGroups.beginCreateOrUpdateAndWait(IDS.hubRg, 'cg-mixed', group({ subnet: mixed }), POLL)).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringMatching(/subnets\/mixed holds other resources \(.*loadBalancers\/lb-mixed.*\); a subnet delegated to Microsoft\.ContainerInstance\/containerGroups can hold container groups only/),
      });
      await expect(hub.containerGroups.get(IDS.hubRg, 'cg-mixed')).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await net.loadBalancers.beginDeleteAndWait(IDS.hubRg, 'lb-mixed', POLL);
      await net.subnets.beginDeleteAndWait(IDS.hubRg, 'vnet-hub', 'mixed', POLL);
    }
  });
});
