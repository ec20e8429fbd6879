import type { ComputeManagementClient, VirtualMachineScaleSet } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import { IDS, POLL, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { TEST_SSH_KEY } from '../helpers/forwarder-fixture';

/** VM scale sets through the real @azure/arm-compute client against the emulator. */
let emu: TestEmulator;
let compute: ComputeManagementClient;
let network: NetworkManagementClient;

const LB = 'lb-fwd';
const lbId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/${LB}`;
const poolId = `${lbId}/backendAddressPools/nodes`;

/** A cloud-config with the forwarding manifest, as dataplane renders it (written by hand here). */
function customData(ports: { port: number; targetPort: number }[], targets: string[]): string {
  const manifest = Buffer.from(JSON.stringify({ schema: 'plf.forward/v1', forward: 't', ports, targets, allowedSources: ['10.0.1.0/26'], healthPort: ports[0].port, agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 } })).toString('base64');
  return Buffer.from(`#cloud-config\nwrite_files:\n  - path: /etc/plf/forward.json\n    encoding: b64\n    content: ${manifest}\n`).toString('base64');
}

function vmss(capacity: number, data = customData([{ port: 8000, targetPort: 8000 }], ['192.168.42.65', '192.168.42.66'])): VirtualMachineScaleSet {
  return {
    location: IDS.location,
    sku: { name: 'Standard_B1s', capacity },
    zones: ['1', '2', '3'],
    tags: { 'plf-forward': 't', 'managed-by': 'plf' },
    upgradePolicy: { mode: 'Manual' },
    virtualMachineProfile: {
        osProfile: { computerNamePrefix: 'fwd', adminUsername: 'plf', customData: data, linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/plf/.ssh/authorized_keys', keyData: TEST_SSH_KEY }] } } },
        storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' } },
        networkProfile: {
          networkInterfaceConfigurations: [
            { name: 'nic', primary: true, ipConfigurations: [{ name: 'ipc', subnet: { id: IDS.hubShared }, loadBalancerBackendAddressPools: [{ id: poolId }] }] },
          ],
        },
        extensionProfile: {
          extensions: [{ name: 'health', publisher: 'Microsoft.ManagedServices', typePropertiesType: 'ApplicationHealthLinux', typeHandlerVersion: '2.0', settings: { protocol: 'tcp', port: 8000 } }],
        },
    },
  } as VirtualMachineScaleSet;
}

async function listVms(name: string) {
  const out = [];
  for await (const vm of compute.virtualMachineScaleSetVMs.list(IDS.hubRg, name, { expand: 'instanceView' })) out.push(vm);
  return out;
}

beforeAll(async () => {
  emu = await startTestEmulator();
  compute = emu.compute();
  network = emu.network();
  await network.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, LB, {
    location: IDS.location,
    sku: { name: 'Standard' },
    frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubShared } }],
    backendAddressPools: [{ name: 'nodes' }],
    probes: [{ name: 'p8000', protocol: 'Tcp', port: 8000, intervalInSeconds: 5 }],
    loadBalancingRules: [{ name: 'r8000', protocol: 'Tcp', frontendPort: 8000, backendPort: 8000, frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/fe` }, backendAddressPool: { id: poolId }, probe: { id: `${lbId}/probes/p8000` } }],
  }, POLL);
});
afterAll(() => emu?.stop());

describe('scale set lifecycle', () => {
  it('create: capacity instances, each with a NIC IP in the subnet and in the LB backend pool; customData never returned', async () => {
    const created = await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'vmss-a', vmss(2), POLL);
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.virtualMachineProfile?.osProfile?.customData).toBeUndefined();
    const got = await compute.virtualMachineScaleSets.get(IDS.hubRg, 'vmss-a');
    expect(got.sku?.capacity).toBe(2);
    expect(got.tags).toEqual({ 'plf-forward': 't', 'managed-by': 'plf' });
    const vms = await listVms('vmss-a');
    expect(vms.map((v) => v.instanceId)).toEqual(['0', '1']);
    const lb = await network.loadBalancers.get(IDS.hubRg, LB);
    expect(lb.backendAddressPools?.[0].backendIPConfigurations).toHaveLength(2);
    const nicId = vms[0].networkProfile?.networkInterfaces?.[0].id as string;
    const nic = await network.networkInterfaces.get(IDS.hubRg, nicId.split('/').pop()!);
    expect(nic.ipConfigurations?.[0].privateIPAddress).toMatch(/^10\.0\.1\.\d+$/);
  });

  it('instances report vmHealth from the Application Health extension and the targets', async () => {
    const vms = await listVms('vmss-a');
    expect(vms.map((v) => v.instanceView?.vmHealth?.status?.code)).toEqual(['HealthState/healthy', 'HealthState/healthy']);
    const view = await compute.virtualMachineScaleSetVMs.getInstanceView(IDS.hubRg, 'vmss-a', '0');
    expect(view.statuses?.map((s) => s.code)).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  });

  it('scaling out and in through a new capacity creates and removes instances', async () => {
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'vmss-a', vmss(3), POLL);
    expect((await listVms('vmss-a')).map((v) => v.instanceId)).toEqual(['0', '1', '2']);
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'vmss-a', vmss(2), POLL);
    expect((await listVms('vmss-a')).map((v) => v.instanceId)).toEqual(['0', '1']);
    expect((await network.loadBalancers.get(IDS.hubRg, LB)).backendAddressPools?.[0].backendIPConfigurations).toHaveLength(2);
  });

  it('a model change leaves instances on the old model until updateInstances, one at a time', async () => {
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'vmss-a', vmss(2, customData([{ port: 8000, targetPort: 8000 }], ['192.168.42.66'])), POLL);
    expect((await listVms('vmss-a')).map((v) => v.latestModelApplied)).toEqual([false, false]);
    await compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, 'vmss-a', { instanceIds: ['0'] }, POLL);
    expect((await listVms('vmss-a')).map((v) => v.latestModelApplied)).toEqual([true, false]);
    await compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, 'vmss-a', { instanceIds: ['1'] }, POLL);
    expect((await listVms('vmss-a')).map((v) => v.latestModelApplied)).toEqual([true, true]);
    // The new customData runs once the nodes are reimaged (VMSS-2): the health tests below need it.
    await compute.virtualMachineScaleSets.reimage(IDS.hubRg, 'vmss-a', { ...POLL, vmScaleSetReimageInput: { instanceIds: ['0', '1'] } });
  });

  it('an identical PUT is not a new model', async () => {
    const data = customData([{ port: 8000, targetPort: 8000 }], ['192.168.42.66']);
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'vmss-a', vmss(2, data), POLL);
    expect((await listVms('vmss-a')).every((v) => v.latestModelApplied)).toBe(true);
  });

  it('deleteInstances removes the instances and lowers the capacity', async () => {
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'vmss-b', vmss(3), POLL);
    await compute.virtualMachineScaleSets.deleteInstances(IDS.hubRg, 'vmss-b', { instanceIds: ['1'] }, POLL);
    expect((await listVms('vmss-b')).map((v) => v.instanceId)).toEqual(['0', '2']);
    expect((await compute.virtualMachineScaleSets.get(IDS.hubRg, 'vmss-b')).sku?.capacity).toBe(2);
  });

  it('deleting the scale set removes its instances, NICs and pool memberships', async () => {
    await compute.virtualMachineScaleSets.delete(IDS.hubRg, 'vmss-b', POLL);
    await expect(compute.virtualMachineScaleSets.get(IDS.hubRg, 'vmss-b')).rejects.toMatchObject({ statusCode: 404 });
    expect((await network.loadBalancers.get(IDS.hubRg, LB)).backendAddressPools?.[0].backendIPConfigurations).toHaveLength(2);
  });
});

describe('node health: break, reimage, targets', () => {
  const health = async () => (await listVms('vmss-a')).map((v) => v.instanceView?.vmHealth?.status?.code);

  it.each([
    ['a transient break is cured by a reimage', false, 'HealthState/healthy'],
    ['a persistent break survives a reimage (replace the node)', true, 'HealthState/unhealthy'],
  ])('%s', async (_situation, persistent, afterReimage) => {
    await emu.control('POST', '/nodes/break', { target: `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-a/virtualMachines/0`, persistent });
    expect(await health()).toEqual(['HealthState/unhealthy', 'HealthState/healthy']);
    await compute.virtualMachineScaleSetVMs.reimage(IDS.hubRg, 'vmss-a', '0', POLL);
    expect((await health())[0]).toBe(afterReimage);
    await emu.control('POST', '/nodes/repair', { target: `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-a/virtualMachines/0` });
  });

  it('all targets down: every node is unhealthy; one back: healthy again', async () => {
    await emu.control('POST', '/targets/192.168.42.66/down');
    expect(await health()).toEqual(['HealthState/unhealthy', 'HealthState/unhealthy']);
    await emu.control('POST', '/targets/192.168.42.66/up');
    expect(await health()).toEqual(['HealthState/healthy', 'HealthState/healthy']);
  });

  it('a target that stops listening on the target port makes nodes unhealthy', async () => {
    await emu.control('POST', '/targets/192.168.42.66/ports/8000/close');
    expect(await health()).toEqual(['HealthState/unhealthy', 'HealthState/unhealthy']);
    await emu.control('POST', '/targets/192.168.42.66/ports/8000/open');
  });

  it('the scale set instance view summarises health', async () => {
    const view = await compute.virtualMachineScaleSets.getInstanceView(IDS.hubRg, 'vmss-a');
    expect(view.extensions?.[0].statusesSummary).toEqual([{ code: 'HealthState/healthy', count: 2 }]);
  });
});

describe('errors', () => {
  it.each([
    ['an unknown subnet is 400 naming it', { ...vmss(1), virtualMachineProfile: { ...vmss(1).virtualMachineProfile, networkProfile: { networkInterfaceConfigurations: [{ name: 'n', primary: true, ipConfigurations: [{ name: 'i', subnet: { id: `${IDS.hubVnet}/subnets/nope` } }] }] } } }, /subnets\/nope/],
    ['a negative capacity is 400', { ...vmss(1), sku: { name: 'Standard_B1s', capacity: -1 } }, /sku\.capacity/],
  ])('%s', async (_situation, body, message) => {
    await expect(compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'vmss-bad', body as VirtualMachineScaleSet, POLL)).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(message) });
  });

  it('updateInstances with an unknown instance id is 400', async () => {
    await expect(compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, 'vmss-a', { instanceIds: ['42'] }, POLL)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('a missing scale set is 404 ResourceNotFound', async () => {
    await expect(compute.virtualMachineScaleSets.get(IDS.hubRg, 'missing')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});
