import type { ContainerGroup } from '@azure/arm-containerinstance';
import { containerExit } from '../../../core/probes';
import { containerViewOf } from '../../../azure/container-group/service';
import { buildForwarder, manifestCustomData, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, POLL, startTestEmulator, type TestEmulator } from '../helpers/emulator';

/**
 * The simulated data path end to end: a forward built through the real SDKs (LB + VMSS with a
 * forwarding manifest + PLS), a consumer's private endpoint approved by the provider, an A record
 * for it in the zone linked to the spoke, then verdicts for each failing hop, and probe
 * container groups whose nc exit codes follow the verdicts.
 */
let emu: TestEmulator;
let fwd: ForwarderFixture;
let peIp: string;
let connName: string;

type Verdict = { reachable: boolean; reason?: string; failure?: string; hops: { hop: string; ok: boolean; detail: string }[]; target?: string };
const query = async (host: string, port = 8000, fromSubnetId: string = IDS.spokeJump) => (await emu.control<Verdict>('POST', '/datapath', { fromSubnetId, host, port })).body;
const setConnection = (status: 'Approved' | 'Pending' | 'Rejected') =>
  emu.network().privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'dp-pls', connName, { privateLinkServiceConnectionState: { status, description: 'test' } });

beforeAll(async () => {
  emu = await startTestEmulator();
  fwd = await buildForwarder(emu, { name: 'dp', capacity: 2, pls: true });
  const consumer = emu.network(IDS.consumerSub);
  const pe = await consumer.privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-onprem', {
    location: IDS.location,
    subnet: { id: IDS.spokeLinked },
    manualPrivateLinkServiceConnections: [{ name: 'to-onprem', privateLinkServiceId: fwd.plsId, requestMessage: 'please' }],
  }, POLL);
  const nicName = String(pe.networkInterfaces?.[0].id).split('/').pop()!;
  peIp = String((await consumer.networkInterfaces.get(IDS.spokeRg, nicName)).ipConfigurations?.[0].privateIPAddress);
  for await (const c of emu.network().privateLinkServices.listPrivateEndpointConnections(IDS.hubRg, 'dp-pls')) connName = String(c.name);
  await setConnection('Approved');
  await emu.privateDns().recordSets.createOrUpdate(IDS.hubRg, IDS.zone, 'A', 'onprem-server', { ttl: 300, aRecords: [{ ipv4Address: peIp }] });
});
afterAll(() => emu?.stop());

describe('data path verdicts', () => {
  it('the whole path is reachable: dns -> endpoint -> PLS -> rule -> healthy node -> manifest -> target', async () => {
    const v = await query('onprem-server.internal.net');
    expect(v.reachable).toBe(true);
    expect(v.hops.map((h) => h.hop)).toEqual(['dns', 'address', 'service', 'rule', 'backend', 'node', 'target']);
    expect(v.target).toMatch(/^192\.168\.42\.6[56]:8000$/);
  });

  it('from the hub subnet to the LB frontend IP is reachable too', async () => {
    const v = await query(fwd.frontendIp, 8000, IDS.hubShared);
    expect(v.reachable).toBe(true);
  });

  it.each<[string, () => Promise<unknown>, string, number, string, RegExp, () => Promise<unknown>]>([
    ['a name in no linked zone', async () => undefined, 'nothing.example.com', 8000, 'dns', /no private DNS zone linked/, async () => undefined],
    ['a record that does not exist', async () => undefined, 'missing.internal.net', 8000, 'dns', /has no A record 'missing'/, async () => undefined],
    ['the endpoint connection Pending', () => setConnection('Pending'), 'onprem-server.internal.net', 8000, 'address', /connection is Pending, not Approved/, () => setConnection('Approved')],
    ['a port without an LB rule', async () => undefined, 'onprem-server.internal.net', 9000, 'rule', /no TCP rule for port 9000/, async () => undefined],
    [
      'every node broken',
      async () => Promise.all(fwd.nodeIps.map((ip) => emu.control('POST', '/nodes/break', { target: ip }))),
      'onprem-server.internal.net',
      8000,
      'backend',
      /no backend passes the health probe/,
      async () => Promise.all(fwd.nodeIps.map((ip) => emu.control('POST', '/nodes/repair', { target: ip }))),
    ],
    [
      'every target down',
      async () => Promise.all(['192.168.42.65', '192.168.42.66'].map((t) => emu.control('POST', `/targets/${t}/down`))),
      'onprem-server.internal.net',
      8000,
      'backend',
      /192\.168\.42\.65 down/,
      async () => Promise.all(['192.168.42.65', '192.168.42.66'].map((t) => emu.control('POST', `/targets/${t}/up`))),
    ],
  ])('%s fails at hop %#', async (_situation, before, host, port, hop, reason, after) => {
    await before();
    try {
      const v = await query(host, port);
      expect(v.reachable).toBe(false);
      const failed = v.hops.find((h) => !h.ok)!;
      expect(failed.hop).toBe(hop);
      expect(failed.detail).toMatch(reason);
    } finally {
      await after();
    }
  });

  it('a manifest that does not map the rule port fails at the node hop', async () => {
    const other = await buildForwarder(emu, { name: 'mis', capacity: 1, ports: [{ port: 8000, targetPort: 8000 }] });
    // Add an LB rule for 8080 whose probe is 8000 (healthy), while nodes only forward 8000.
    const lb = await emu.network().loadBalancers.get(IDS.hubRg, other.lbName);
    lb.loadBalancingRules!.push({ name: 'r8080', protocol: 'Tcp', frontendPort: 8080, backendPort: 8080, frontendIPConfiguration: { id: other.frontendId }, backendAddressPool: { id: `${other.lbId}/backendAddressPools/nodes` }, probe: { id: `${other.lbId}/probes/p8000` } });
    await emu.network().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, other.lbName, lb, POLL);
    const v = await query(other.frontendIp, 8080, IDS.hubShared);
    expect(v.hops.find((h) => !h.ok)).toMatchObject({ hop: 'node', detail: expect.stringMatching(/does not forward port 8080/) });
  });

  it('every target closed on the port: no backend passes the probe, so the LB drops (timeout)', async () => {
    await emu.control('POST', '/targets/192.168.42.65/ports/8000/close');
    await emu.control('POST', '/targets/192.168.42.66/ports/8000/close');
    try {
      const v = await query('onprem-server.internal.net');
      expect([v.reachable, v.failure, v.hops.find((h) => !h.ok)?.hop]).toEqual([false, 'timeout', 'backend']);
    } finally {
      await emu.control('POST', '/targets/192.168.42.65/ports/8000/open');
      await emu.control('POST', '/targets/192.168.42.66/ports/8000/open');
    }
  });

  it('a healthy node forwarding to a target port nobody listens on is refused (the target resets)', async () => {
    const other = await buildForwarder(emu, { name: 'rst', capacity: 1, ports: [{ port: 8000, targetPort: 8000 }, { port: 8080, targetPort: 8081 }] });
    const lb = await emu.network().loadBalancers.get(IDS.hubRg, other.lbName);
    for (const rule of lb.loadBalancingRules ?? []) rule.probe = { id: `${other.lbId}/probes/p8000` };
    await emu.network().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, other.lbName, lb, POLL);
    const v = await query(other.frontendIp, 8080, IDS.hubShared);
    expect([v.reachable, v.failure, v.hops.find((h) => !h.ok)?.hop]).toEqual([false, 'refused', 'target']);
  });

  it.each<[string, () => Promise<unknown>, RegExp, RegExp, () => Promise<unknown>]>([
    ['one target down: flows go to the other target', () => emu.control('POST', '/targets/192.168.42.65/down'), /2 of 2 backends healthy/, /^192\.168\.42\.66:8000$/, () => emu.control('POST', '/targets/192.168.42.65/up')],
    ['one node broken: flows go to the other node', () => emu.control('POST', '/nodes/break', { target: fwd.nodeIps[0] }), /1 of 2 backends healthy/, /^192\.168\.42\.6[56]:8000$/, () => emu.control('POST', '/nodes/repair', { target: fwd.nodeIps[0] })],
  ])('%s', async (_situation, before, backendDetail, target, after) => {
    await before();
    try {
      const v = await query('onprem-server.internal.net');
      expect(v.reachable).toBe(true);
      expect(v.hops.find((h) => h.hop === 'backend')?.detail).toMatch(backendDetail);
      expect(v.target).toMatch(target);
    } finally {
      await after();
    }
  });

  it('the same verdict is served at /datapath/query', async () => {
    const r = await emu.control<Verdict>('POST', '/datapath/query', { fromSubnetId: IDS.spokeJump, host: 'onprem-server.internal.net', port: 8000 });
    expect([r.status, r.body.reachable, r.body.hops.length]).toEqual([200, true, 7]);
  });

  it('nodes whose cloud-config writes no manifest forward nothing: no backend passes the probe, and the reason says why', async () => {
    const other = await buildForwarder(emu, { name: 'nomf', capacity: 1 });
    const compute = emu.compute();
    const vmss = await compute.virtualMachineScaleSets.get(IDS.hubRg, other.vmssName);
    vmss.virtualMachineProfile!.osProfile!.customData = Buffer.from('#cloud-config\npackages: [nftables]\n').toString('base64');
    await compute.virtualMachineScaleSets.beginCreateOrUpdateAndWait(IDS.hubRg, other.vmssName, vmss, POLL);
    await compute.virtualMachineScaleSets.beginUpdateInstancesAndWait(IDS.hubRg, other.vmssName, { instanceIds: ['0'] }, POLL);
    // New customData runs only after a reimage (VMSS-2).
    await compute.virtualMachineScaleSets.beginReimageAndWait(IDS.hubRg, other.vmssName, { ...POLL, vmScaleSetReimageInput: { instanceIds: ['0'] } });
    const v = await query(other.frontendIp, 8000, IDS.hubShared);
    expect(v.hops.find((h) => !h.ok)).toMatchObject({ hop: 'backend', detail: expect.stringMatching(/forwards nothing: the cloud-config writes no \/etc\/plf\/forward\.json/) });
  });

  it('an LB frontend in another VNet is not reachable from the spoke (VNets are not peered)', async () => {
    const v = await query(fwd.frontendIp, 8000, IDS.spokeJump);
    expect(v.hops.find((h) => !h.ok)).toMatchObject({ hop: 'address', detail: expect.stringMatching(/not peered/) });
  });

  it('clients outside the manifest allowedSources are dropped by the node (timeout), the reason names the range', async () => {
    const v = await query(fwd.frontendIp, 8000, IDS.hubJump);
    expect([v.reachable, v.failure]).toEqual([false, 'timeout']);
    expect(v.hops.find((h) => !h.ok)).toMatchObject({ hop: 'node', detail: expect.stringMatching(/drops connections from clients in subnet jump \(10\.0\.1\.64\/27\): not in its allowedSources \(10\.0\.1\.0\/26, 168\.63\.129\.16\/32\)/) });
  });

  it.each([
    ['a client address inside allowedSources passes', '10.0.1.10', true],
    ['a client address outside allowedSources is dropped', '10.0.1.70', false],
  ])('%s', async (_situation, fromIp, reachable) => {
    const r = await emu.control<Verdict>('POST', '/datapath', { fromSubnetId: IDS.hubShared, fromIp, host: fwd.frontendIp, port: 8000 });
    expect(r.body.reachable).toBe(reachable);
  });

  it('a manifest whose allowedSources misses the PLS NAT subnet: connections through the endpoint are dropped at the node', async () => {
    const compute = emu.compute();
    const setCustomData = async (customData: string) => {
      const vmss = await compute.virtualMachineScaleSets.get(IDS.hubRg, fwd.vmssName);
      vmss.virtualMachineProfile!.osProfile!.customData = customData;
      await compute.virtualMachineScaleSets.beginCreateOrUpdateAndWait(IDS.hubRg, fwd.vmssName, vmss, POLL);
      await compute.virtualMachineScaleSets.beginUpdateInstancesAndWait(IDS.hubRg, fwd.vmssName, { instanceIds: ['0', '1'] }, POLL);
      await compute.virtualMachineScaleSets.beginReimageAndWait(IDS.hubRg, fwd.vmssName, { ...POLL, vmScaleSetReimageInput: { instanceIds: ['0', '1'] } });
    };
    const manifest = Buffer.from(JSON.stringify({ schema: 'plf.forward/v1', forward: 'dp', ports: [{ port: 8000, targetPort: 8000 }], targets: ['192.168.42.65'], allowedSources: ['168.63.129.16/32'], healthPort: 8000 })).toString('base64');
    await setCustomData(Buffer.from(`#cloud-config\nwrite_files:\n  - path: /etc/plf/forward.json\n    encoding: b64\n    content: ${manifest}\n`).toString('base64'));
    try {
      const v = await query('onprem-server.internal.net');
      expect(v.hops.find((h) => !h.ok)).toMatchObject({ hop: 'node', detail: expect.stringMatching(/drops connections from private link service NAT IP 10\.0\.1\.\d+/) });
    } finally {
      await setCustomData(manifestCustomData([{ port: 8000, targetPort: 8000 }], ['192.168.42.65', '192.168.42.66']));
    }
    expect((await query('onprem-server.internal.net')).reachable).toBe(true);
  });

  it('every verdict is logged with its reason', async () => {
    const log = (await emu.control<{ value: { reachable: boolean; reason?: string }[] }>('GET', '/datapath/log')).body.value;
    expect(log.some((e) => !e.reachable && /Pending/.test(e.reason ?? ''))).toBe(true);
  });

  it('a malformed query is 400 naming every problem', async () => {
    const r = await emu.control<{ error: { message: string } }>('POST', '/datapath', { host: '', port: 0, fromIp: 'me' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/fromSubnetId.*host.*port.*fromIp/s);
  });
});

describe('probe container groups', () => {
  const group = (name: string, command: string[], subnet: string = IDS.spokeJump): ContainerGroup => ({
    location: IDS.location,
    osType: 'Linux',
    restartPolicy: 'Never',
    subnetIds: [{ id: subnet }],
    containers: [{ name: 'probe', image: 'busybox:1.36', command, resources: { requests: { cpu: 1, memoryInGB: 0.5 } } }],
  });
  const aci = () => emu.containers(IDS.consumerSub);
  async function runGroup(name: string, command: string[]) {
    await aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, name, group(name, command), POLL);
    const cg = await aci().containerGroups.get(IDS.spokeRg, name);
    const logs = await aci().containers.listLogs(IDS.spokeRg, name, 'probe');
    // The first exit as the product reads it: a non-zero exit under `Never` is restarted by the platform (ACI-13).
    return { exit: containerExit(containerViewOf(cg.containers[0].instanceView)), groupState: cg.instanceView?.state, logs: logs.content ?? '' };
  }

  it.each([
    ['sh -c with time and nc -zv: exit 0 and busybox output', ['sh', '-c', 'time nc -zv -w 5 onprem-server.internal.net 8000'], 0, /onprem-server\.internal\.net \(\d+\.\d+\.\d+\.\d+:8000\) open[\s\S]*real\t0m/],
    ['plain nc -z on a port without a rule: exit 1 and, without -v, nothing printed (nc_bloaty reports only when verbose)', ['nc', '-z', '-w', '3', 'onprem-server.internal.net', '9000'], 1, /^$/],
    ['nc -zv on a port without a rule: Connection timed out, exit 1', ['nc', '-zv', '-w', '3', 'onprem-server.internal.net', '9000'], 1, /^nc: onprem-server\.internal\.net \(\S+:9000\): Connection timed out\n$/],
    ['an unknown name: bad address, exit 1', ['nc', '-zv', 'nope.internal.net', '8000'], 1, /bad address 'nope\.internal\.net'/],
    ['an unsupported command is refused, never a fake success', ['curl', 'http://onprem-server.internal.net:8000'], 127, /unsupported command 'curl/],
  ])('%s', async (situation, command, exitCode, output) => {
    const name = `cg-${situation.length}-${exitCode}`;
    const r = await runGroup(name, command);
    expect(r.exit).toEqual({ exitCode });
    // A non-zero exit waits in back-off for the platform's restart (ACI-13): the group still runs.
    expect(r.groupState).toBe(exitCode === 0 ? 'Succeeded' : 'Running');
    expect(r.logs).toMatch(output);
    await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, name, POLL);
  });

  it('target down: the probe exits 1 with nc\'s message', async () => {
    await Promise.all(['192.168.42.65', '192.168.42.66'].map((t) => emu.control('POST', `/targets/${t}/down`)));
    try {
      const r = await runGroup('cg-down', ['nc', '-zv', '-w', '2', 'onprem-server.internal.net', '8000']);
      expect(r.exit).toEqual({ exitCode: 1 });
      expect(r.logs).toMatch(/nc: onprem-server\.internal\.net \(.*:8000\): Connection timed out/);
    } finally {
      await Promise.all(['192.168.42.65', '192.168.42.66'].map((t) => emu.control('POST', `/targets/${t}/up`)));
    }
  });

  it('the group is Running until runMs passes, then Terminated', async () => {
    await emu.control('PUT', '/containerinstance/settings', { runMs: 300 });
    try {
      await aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-slow', group('cg-slow', ['nc', '-z', 'onprem-server.internal.net', '8000']), POLL);
      expect((await aci().containerGroups.get(IDS.spokeRg, 'cg-slow')).containers[0].instanceView?.currentState?.state).toBe('Running');
      await new Promise((r) => setTimeout(r, 400));
      expect((await aci().containerGroups.get(IDS.spokeRg, 'cg-slow')).containers[0].instanceView?.currentState).toMatchObject({ state: 'Terminated', exitCode: 0 });
    } finally {
      await emu.control('PUT', '/containerinstance/settings', { runMs: 0 });
    }
  });

  it.each([
    ['a subnet not delegated to container groups', IDS.spokeLinked, /not delegated to Microsoft\.ContainerInstance\/containerGroups/],
    ['a subnet in another subscription', IDS.hubJump, /another subscription/],
  ])('%s is 400', async (_s, subnet, message) => {
    await expect(aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-bad', group('cg-bad', ['nc', '-z', 'x', '1'], subnet), POLL)).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(message) });
  });

  it('the group gets a private IP in its subnet, and delete removes it', async () => {
    await aci().containerGroups.beginCreateOrUpdateAndWait(IDS.spokeRg, 'cg-ip', group('cg-ip', ['nc', '-z', 'onprem-server.internal.net', '8000']), POLL);
    const cg = await aci().containerGroups.get(IDS.spokeRg, 'cg-ip');
    expect(cg.ipAddress?.ip).toMatch(/^10\.1\.1\.\d+$/);
    await aci().containerGroups.beginDeleteAndWait(IDS.spokeRg, 'cg-ip', POLL);
    await expect(aci().containerGroups.get(IDS.spokeRg, 'cg-ip')).rejects.toMatchObject({ statusCode: 404 });
  });
});
