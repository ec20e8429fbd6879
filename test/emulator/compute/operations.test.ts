import type { ComputeManagementClient, UpgradeMode, VirtualMachineScaleSet, VirtualMachineScaleSetVM } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import { buildForwarder, manifestCustomData, TEST_SSH_KEY, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, POLL, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { settled } from '../monitor/published';

/**
 * Scale set operations the product and tests rely on, through the real @azure/arm-compute client:
 * PATCH, lists, the stored model, power actions, orchestration services, LRO polling, paging of
 * instance lists, and the 404/409/412 answers.
 */
let emu: TestEmulator;
let compute: ComputeManagementClient;
let network: NetworkManagementClient;
let fwd: ForwarderFixture;

const vmssId = (name: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;

async function listVms(name: string): Promise<VirtualMachineScaleSetVM[]> {
  const out: VirtualMachineScaleSetVM[] = [];
  for await (const vm of compute.virtualMachineScaleSetVMs.list(IDS.hubRg, name, { expand: 'instanceView' })) out.push(vm);
  return out;
}

const health = async (name: string) => (await listVms(name)).map((v) => v.instanceView?.vmHealth?.status?.code);
const power = async (name: string) => (await listVms(name)).map((v) => v.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code);

/** A full model: zones, upgrade policy, automatic repairs, health extension, customData. */
function fullModel(capacity: number, o: { repairs?: boolean } = {}): VirtualMachineScaleSet {
  return {
    location: IDS.location,
    sku: { name: 'Standard_B1s', capacity },
    zones: ['1', '2', '3'],
    tags: { 'plf-forward': 'full', 'managed-by': 'plf' },
    upgradePolicy: { mode: 'Manual' },
    ...(o.repairs !== false ? { automaticRepairsPolicy: { enabled: true, gracePeriod: 'PT30M', repairAction: 'Reimage' } } : {}),
    virtualMachineProfile: {
      osProfile: { computerNamePrefix: 'full', adminUsername: 'plf', customData: manifestCustomData([{ port: 8000, targetPort: 8000 }], ['192.168.42.65']), linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/plf/.ssh/authorized_keys', keyData: TEST_SSH_KEY }] } } },
      storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' } },
      networkProfile: { networkInterfaceConfigurations: [{ name: 'nic', primary: true, ipConfigurations: [{ name: 'ipc', subnet: { id: IDS.hubShared } }] }] },
      extensionProfile: { extensions: [{ name: 'plf-health', publisher: 'Microsoft.ManagedServices', typePropertiesType: 'ApplicationHealthLinux', typeHandlerVersion: '1.0', settings: { protocol: 'tcp', port: 8000 } }] },
    },
  } as VirtualMachineScaleSet;
}

beforeAll(async () => {
  emu = await startTestEmulator();
  compute = emu.compute();
  network = emu.network();
  fwd = await buildForwarder(emu, { name: 'ops', capacity: 3 });
  await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'full', fullModel(3), POLL);
  await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'norepairs', fullModel(1, { repairs: false }), POLL);
});
afterAll(() => emu?.stop());

describe('the stored model', () => {
  it('zones, upgrade policy, automatic repairs, tags and the health extension come back as sent; instances spread over the zones', async () => {
    const got = await compute.virtualMachineScaleSets.get(IDS.hubRg, 'full');
    expect(got).toMatchObject({
      zones: ['1', '2', '3'],
      tags: { 'plf-forward': 'full', 'managed-by': 'plf' },
      upgradePolicy: { mode: 'Manual' },
      automaticRepairsPolicy: { enabled: true, gracePeriod: 'PT30M', repairAction: 'Reimage' },
      orchestrationMode: 'Uniform',
    });
    expect(got.virtualMachineProfile?.extensionProfile?.extensions?.[0]).toMatchObject({ name: 'plf-health', settings: { protocol: 'tcp', port: 8000 } });
    expect(got.virtualMachineProfile?.osProfile?.customData).toBeUndefined();
    expect((await listVms('full')).map((v) => [v.name, v.zones])).toEqual([
      ['full_0', ['1']],
      ['full_1', ['2']],
      ['full_2', ['3']],
    ]);
  });

  it('the instance view names the health extension as the model does', async () => {
    const view = await compute.virtualMachineScaleSetVMs.getInstanceView(IDS.hubRg, 'full', '0');
    expect(view.extensions?.map((e) => [e.name, e.type, e.typeHandlerVersion])).toEqual([['plf-health', 'Microsoft.ManagedServices.ApplicationHealthLinux', '1.0']]);
    expect((await compute.virtualMachineScaleSets.getInstanceView(IDS.hubRg, 'full')).extensions?.[0].name).toBe('plf-health');
  });

  it('a read-modify-write PUT (GET carries no customData) keeps the node configuration', async () => {
    const got = await compute.virtualMachineScaleSets.get(IDS.hubRg, fwd.vmssName);
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, fwd.vmssName, { ...got, tags: { touched: 'yes' } }, POLL);
    const vms = await listVms(fwd.vmssName);
    expect(vms.every((v) => v.latestModelApplied)).toBe(true);
    expect(vms.map((v) => v.instanceView?.vmHealth?.status?.code)).toEqual(['HealthState/healthy', 'HealthState/healthy', 'HealthState/healthy']);
  });
});

describe('PATCH (update) merges', () => {
  it('a new capacity and tags: instances follow, the rest of the model stays', async () => {
    const updated = await compute.virtualMachineScaleSets.update(IDS.hubRg, 'full', { sku: { capacity: 4 }, tags: { 'plf-forward': 'full', extra: '1' } }, POLL);
    expect(updated.sku?.capacity).toBe(4);
    expect(updated.tags).toEqual({ 'plf-forward': 'full', extra: '1' });
    expect(updated.automaticRepairsPolicy?.enabled).toBe(true);
    expect((await listVms('full')).map((v) => v.instanceId)).toEqual(['0', '1', '2', '3']);
    await compute.virtualMachineScaleSets.update(IDS.hubRg, 'full', { sku: { capacity: 3 } }, POLL);
    expect((await listVms('full')).map((v) => v.instanceId)).toEqual(['0', '1', '2']);
  });

  it('new customData is a new model: an updated instance still runs the old manifest until it is reimaged (VMSS-2)', async () => {
    // The new manifest sends port 8000 to a target that is down: a node running it turns unhealthy.
    await emu.control('PUT', '/targets/192.168.42.99', { up: false, openPorts: [8000] });
    await compute.virtualMachineScaleSets.update(IDS.hubRg, 'full', { virtualMachineProfile: { osProfile: { customData: manifestCustomData([{ port: 8000, targetPort: 8000 }], ['192.168.42.99']) } } }, POLL);
    expect((await listVms('full')).map((v) => v.latestModelApplied)).toEqual([false, false, false]);
    expect(await health('full')).toEqual(['HealthState/healthy', 'HealthState/healthy', 'HealthState/healthy']);
    await compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, 'full', { instanceIds: ['2'] }, POLL);
    expect((await listVms('full')).map((v) => v.latestModelApplied)).toEqual([false, false, true]);
    expect(await health('full')).toEqual(['HealthState/healthy', 'HealthState/healthy', 'HealthState/healthy']);
    await compute.virtualMachineScaleSetVMs.reimage(IDS.hubRg, 'full', '2', POLL);
    expect(await health('full')).toEqual(['HealthState/healthy', 'HealthState/healthy', 'HealthState/unhealthy']);
    // Back to the reachable target for the rest of the suite.
    await compute.virtualMachineScaleSets.update(IDS.hubRg, 'full', { virtualMachineProfile: { osProfile: { customData: manifestCustomData([{ port: 8000, targetPort: 8000 }], ['192.168.42.65']) } } }, POLL);
    await compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, 'full', { instanceIds: ['0', '1', '2'] }, POLL);
    await compute.virtualMachineScaleSets.reimage(IDS.hubRg, 'full', { ...POLL, vmScaleSetReimageInput: { instanceIds: ['2'] } });
    expect(await health('full')).toEqual(['HealthState/healthy', 'HealthState/healthy', 'HealthState/healthy']);
  });
});

describe('lists', () => {
  it('list (resource group) and listAll (subscription) return the scale sets', async () => {
    const inRg: string[] = [];
    for await (const s of compute.virtualMachineScaleSets.list(IDS.hubRg)) inRg.push(String(s.name));
    const all: string[] = [];
    for await (const s of compute.virtualMachineScaleSets.listAll()) all.push(String(s.name));
    expect(inRg.sort()).toEqual(['full', 'norepairs', fwd.vmssName].sort());
    expect(all.sort()).toEqual(inRg.sort());
  });

  it('instance lists page with nextLink and the SDK follows every page', async () => {
    await emu.control('PUT', '/settings', { pageSize: 2 });
    try {
      await emu.control('DELETE', '/requests');
      expect((await listVms('full')).map((v) => v.instanceId)).toEqual(['0', '1', '2']);
      const log = (await emu.control<{ value: { method: string; path: string }[] }>('GET', '/requests')).body.value;
      expect(log.filter((r) => r.method === 'GET' && r.path.endsWith('/virtualMachines'))).toHaveLength(2);
    } finally {
      await emu.control('PUT', '/settings', { pageSize: 100 });
    }
  });

  it('one instance, with and without its instance view', async () => {
    const plain = await compute.virtualMachineScaleSetVMs.get(IDS.hubRg, 'full', '1');
    expect(plain).toMatchObject({ name: 'full_1', instanceId: '1', latestModelApplied: true, provisioningState: 'Succeeded' });
    expect(plain.instanceView).toBeUndefined();
    expect(plain.osProfile?.computerName).toBe('full000001');
    const expanded = await compute.virtualMachineScaleSetVMs.get(IDS.hubRg, 'full', '1', { expand: 'instanceView' });
    expect(expanded.instanceView?.vmHealth?.status?.code).toBe('HealthState/healthy');
  });
});

describe('power actions take a node out of the probe', () => {
  it.each([
    ['an instance powered off', (id: string) => compute.virtualMachineScaleSetVMs.powerOff(IDS.hubRg, 'full', id, POLL), 'PowerState/stopped'],
    ['an instance deallocated', (id: string) => compute.virtualMachineScaleSetVMs.deallocate(IDS.hubRg, 'full', id, POLL), 'PowerState/deallocated'],
    ['instances powered off through the scale set', (id: string) => compute.virtualMachineScaleSets.powerOff(IDS.hubRg, 'full', { ...POLL, vmInstanceIDs: { instanceIds: [id] } }), 'PowerState/stopped'],
  ])('%s: unhealthy until started again', async (_situation, act, state) => {
    await act('1');
    expect(await power('full')).toEqual(['PowerState/running', state, 'PowerState/running']);
    expect(await health('full')).toEqual(['HealthState/healthy', 'HealthState/unhealthy', 'HealthState/healthy']);
    await compute.virtualMachineScaleSetVMs.start(IDS.hubRg, 'full', '1', POLL);
    expect(await power('full')).toEqual(['PowerState/running', 'PowerState/running', 'PowerState/running']);
    expect(await health('full')).toEqual(['HealthState/healthy', 'HealthState/healthy', 'HealthState/healthy']);
  });

  it('restarting a deallocated instance is 409 OperationNotAllowed; a stopped one restarts', async () => {
    await compute.virtualMachineScaleSetVMs.deallocate(IDS.hubRg, 'full', '2', POLL);
    await expect(compute.virtualMachineScaleSetVMs.restart(IDS.hubRg, 'full', '2', POLL)).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    await expect(compute.virtualMachineScaleSets.restart(IDS.hubRg, 'full', { ...POLL, vmInstanceIDs: { instanceIds: ['2'] } })).rejects.toMatchObject({ statusCode: 409 });
    await compute.virtualMachineScaleSetVMs.start(IDS.hubRg, 'full', '2', POLL);
    await compute.virtualMachineScaleSetVMs.powerOff(IDS.hubRg, 'full', '2', POLL);
    await compute.virtualMachineScaleSetVMs.restart(IDS.hubRg, 'full', '2', POLL);
    expect((await power('full'))[2]).toBe('PowerState/running');
  });

  it('a stopped node reads 0 in DipAvailability for its IP', async () => {
    await compute.virtualMachineScaleSetVMs.powerOff(IDS.hubRg, fwd.vmssName, '0', POLL);
    // The point of the grain after the power-off, once published (metrics are published late: the clock is advanced past it).
    const points = await settled(emu, fwd.lbId, 'DipAvailability', 'Microsoft.Network/loadBalancers', { filter: "BackendIPAddress eq '*'" });
    const byIp = Object.fromEntries(Object.entries(points).map(([k, p]) => [k.split('=')[1], p.average]));
    expect(byIp).toEqual({ [fwd.nodeIps[0]]: 0, [fwd.nodeIps[1]]: 100, [fwd.nodeIps[2]]: 100 });
    await compute.virtualMachineScaleSetVMs.start(IDS.hubRg, fwd.vmssName, '0', POLL);
  });
});

describe('automatic repairs orchestration service', () => {
  it.each([
    ['Suspend', 'Suspended'],
    ['Resume', 'Running'],
  ])('%s -> the scale set instance view shows AutomaticRepairs %s', async (action, state) => {
    await compute.virtualMachineScaleSets.setOrchestrationServiceState(IDS.hubRg, 'full', { serviceName: 'AutomaticRepairs', action: action as 'Suspend' | 'Resume' }, POLL);
    expect((await compute.virtualMachineScaleSets.getInstanceView(IDS.hubRg, 'full')).orchestrationServices).toEqual([{ serviceName: 'AutomaticRepairs', serviceState: state }]);
  });

  it('without automaticRepairsPolicy there is no service and suspending it is 409', async () => {
    expect((await compute.virtualMachineScaleSets.getInstanceView(IDS.hubRg, 'norepairs')).orchestrationServices).toEqual([]);
    await expect(compute.virtualMachineScaleSets.setOrchestrationServiceState(IDS.hubRg, 'norepairs', { serviceName: 'AutomaticRepairs', action: 'Suspend' }, POLL)).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  });
});

describe('long-running operations', () => {
  it('a create with a real LRO delay is polled by the SDK through Azure-AsyncOperation to Succeeded', async () => {
    await emu.control('PUT', '/settings', { lroDelayMs: 300 });
    try {
      await emu.control('DELETE', '/requests');
      const poller = await compute.virtualMachineScaleSets.beginCreateOrUpdate(IDS.hubRg, 'slow', fullModel(1), { updateIntervalInMs: 50 });
      const result = await poller.pollUntilDone();
      expect(result.provisioningState).toBe('Succeeded');
      const log = (await emu.control<{ value: { method: string; path: string; status: number }[] }>('GET', '/requests')).body.value;
      expect(log[0]).toMatchObject({ method: 'PUT', status: 201 });
      expect(log.some((r) => r.method === 'GET' && /\/providers\/Microsoft\.Compute\/locations\/[^/]+\/operations\//i.test(r.path))).toBe(true);
    } finally {
      await emu.control('PUT', '/settings', { lroDelayMs: 0 });
    }
  });

  it('while a reimage runs the node is Updating and unhealthy; when it completes it is healthy again', async () => {
    await emu.control('PUT', '/settings', { lroDelayMs: 600_000 });
    try {
      await emu.control('POST', '/nodes/break', { target: `${vmssId('full')}/virtualMachines/0` });
      await compute.virtualMachineScaleSetVMs.beginReimage(IDS.hubRg, 'full', '0');
      const during = await compute.virtualMachineScaleSetVMs.get(IDS.hubRg, 'full', '0', { expand: 'instanceView' });
      expect([during.provisioningState, during.instanceView?.vmHealth?.status?.code]).toEqual(['Updating', 'HealthState/unhealthy']);
      await emu.control('POST', '/operations/settle');
      const after = await compute.virtualMachineScaleSetVMs.get(IDS.hubRg, 'full', '0', { expand: 'instanceView' });
      expect([after.provisioningState, after.instanceView?.vmHealth?.status?.code]).toEqual(['Succeeded', 'HealthState/healthy']);
    } finally {
      await emu.control('PUT', '/settings', { lroDelayMs: 0 });
    }
  });

  it('reimage through the scale set with instance ids cures a transient break', async () => {
    await emu.control('POST', '/nodes/break', { target: 'full_1' });
    expect((await health('full'))[1]).toBe('HealthState/unhealthy');
    await compute.virtualMachineScaleSets.reimage(IDS.hubRg, 'full', { ...POLL, vmScaleSetReimageInput: { instanceIds: ['1'] } });
    expect((await health('full'))[1]).toBe('HealthState/healthy');
  });
});

describe('removing instances', () => {
  it('deleting one VM lowers the capacity and releases its NIC and pool membership', async () => {
    await compute.virtualMachineScaleSets.update(IDS.hubRg, fwd.vmssName, { sku: { capacity: 4 } }, POLL);
    const before = await listVms(fwd.vmssName);
    const nicName = String(before[3].networkProfile?.networkInterfaces?.[0].id).split('/').pop()!;
    await compute.virtualMachineScaleSetVMs.delete(IDS.hubRg, fwd.vmssName, '3', POLL);
    expect((await listVms(fwd.vmssName)).map((v) => v.instanceId)).toEqual(['0', '1', '2']);
    expect((await compute.virtualMachineScaleSets.get(IDS.hubRg, fwd.vmssName)).sku?.capacity).toBe(3);
    await expect(network.networkInterfaces.get(IDS.hubRg, nicName)).rejects.toMatchObject({ statusCode: 404 });
    expect((await network.loadBalancers.get(IDS.hubRg, fwd.lbName)).backendAddressPools?.[0].backendIPConfigurations).toHaveLength(3);
  });

  it('a new instance after a delete gets the next instance id, never a reused one', async () => {
    await compute.virtualMachineScaleSets.update(IDS.hubRg, fwd.vmssName, { sku: { capacity: 4 } }, POLL);
    expect((await listVms(fwd.vmssName)).map((v) => v.name)).toEqual([`${fwd.vmssName}_0`, `${fwd.vmssName}_1`, `${fwd.vmssName}_2`, `${fwd.vmssName}_4`]);
    await compute.virtualMachineScaleSets.deleteInstances(IDS.hubRg, fwd.vmssName, { instanceIds: ['4'] }, POLL);
  });
});

describe('refusals', () => {
  it.each([
    ['an unknown instance', 404, 'ResourceNotFound', () => compute.virtualMachineScaleSetVMs.get(IDS.hubRg, 'full', '77')],
    ['an instance view of an unknown instance', 404, 'ResourceNotFound', () => compute.virtualMachineScaleSetVMs.getInstanceView(IDS.hubRg, 'full', '77')],
    ['instances of an unknown scale set', 404, 'ResourceNotFound', () => listVms('nope')],
    ['reimage of an unknown instance', 404, 'ResourceNotFound', () => compute.virtualMachineScaleSetVMs.reimage(IDS.hubRg, 'full', '77', POLL)],
    ['deleteInstances naming an instance the set does not have', 400, 'InvalidParameter', () => compute.virtualMachineScaleSets.deleteInstances(IDS.hubRg, 'full', { instanceIds: ['0', '77'] }, POLL)],
    ['a write with a stale If-Match etag', 412, 'PreconditionFailed', () => compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'full', fullModel(3), { ...POLL, ifMatch: 'W/"stale"' })],
    ['deleting the load balancer whose pool holds instance NICs', 409, 'LoadBalancerInUseByVirtualMachineScaleSet', () => network.loadBalancers.beginDeleteAndWait(IDS.hubRg, fwd.lbName, POLL)],
    ['deleting the subnet that holds instance NICs', 409, 'InUseSubnetCannotBeDeleted', () => network.subnets.beginDeleteAndWait(IDS.hubRg, 'vnet-hub', 'shared', POLL)],
  ])('%s: %i %s', async (_situation, statusCode, code, call) => {
    await expect(call()).rejects.toMatchObject({ statusCode, code });
  });

  it('deleteInstances without instance ids is 400 naming the property', async () => {
    const r = await emu.raw<{ error: { code: string; message: string } }>('POST', `${vmssId('full')}/delete?api-version=2024-11-01`, { body: {} });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('instanceIds');
  });

  it('a bad orchestration service request is 400 naming every problem', async () => {
    const r = await emu.raw<{ error: { message: string } }>('POST', `${vmssId('full')}/setOrchestrationServiceState?api-version=2024-11-01`, { body: { serviceName: 'Nope', action: 'Pause' } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/serviceName[\s\S]*action/);
  });
});

describe('model changes that move instances', () => {
  const lbName = 'pools-lb';
  const lbId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/${lbName}`;
  const poolSizes = async () => Object.fromEntries(((await network.loadBalancers.get(IDS.hubRg, lbName)).backendAddressPools ?? []).map((p) => [p.name, p.backendIPConfigurations?.length ?? 0]));
  const inPool = (pool: string, o: { mode?: UpgradeMode; targets?: string[] } = {}): VirtualMachineScaleSet => {
    const m = fullModel(2, { repairs: false });
    const nic = m.virtualMachineProfile!.networkProfile!.networkInterfaceConfigurations![0];
    nic.ipConfigurations![0].loadBalancerBackendAddressPools = [{ id: `${lbId}/backendAddressPools/${pool}` }];
    m.virtualMachineProfile!.osProfile!.customData = manifestCustomData([{ port: 8000, targetPort: 8000 }], o.targets ?? ['192.168.42.65']);
    return { ...m, upgradePolicy: { mode: o.mode ?? 'Manual' } };
  };

  beforeAll(async () => {
    await network.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, lbName, {
      location: IDS.location,
      sku: { name: 'Standard' },
      frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubShared } }],
      backendAddressPools: [{ name: 'a' }, { name: 'b' }],
    }, POLL);
  });

  it('a new backend pool in the model: instances stay in the old pool until updated, then move', async () => {
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'mover', inPool('a'), POLL);
    expect(await poolSizes()).toEqual({ a: 2, b: 0 });
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'mover', inPool('b'), POLL);
    expect(await poolSizes()).toEqual({ a: 2, b: 0 });
    await compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, 'mover', { instanceIds: ['0'] }, POLL);
    expect(await poolSizes()).toEqual({ a: 1, b: 1 });
    const [vm0] = await listVms('mover');
    const nic = await network.networkInterfaces.get(IDS.hubRg, String(vm0.networkProfile?.networkInterfaces?.[0].id).split('/').pop()!);
    expect(nic.ipConfigurations?.[0].loadBalancerBackendAddressPools?.map((p) => p.id)).toEqual([`${lbId}/backendAddressPools/b`]);
    await compute.virtualMachineScaleSets.delete(IDS.hubRg, 'mover', POLL);
    expect(await poolSizes()).toEqual({ a: 0, b: 0 });
  });

  it('upgradePolicy Automatic: a model change reaches every instance at once; new customData runs after a reimage (VMSS-2)', async () => {
    await emu.control('PUT', '/targets/192.168.42.98', { up: false, openPorts: [8000] });
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'auto', inPool('a', { mode: 'Automatic' }), POLL);
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'auto', inPool('b', { mode: 'Automatic', targets: ['192.168.42.98'] }), POLL);
    expect((await listVms('auto')).map((v) => v.latestModelApplied)).toEqual([true, true]);
    expect(await poolSizes()).toEqual({ a: 0, b: 2 });
    expect(await health('auto')).toEqual(['HealthState/healthy', 'HealthState/healthy']);
    await compute.virtualMachineScaleSets.reimage(IDS.hubRg, 'auto', { ...POLL, vmScaleSetReimageInput: { instanceIds: ['0', '1'] } });
    expect(await health('auto')).toEqual(['HealthState/unhealthy', 'HealthState/unhealthy']);
    await compute.virtualMachineScaleSets.delete(IDS.hubRg, 'auto', POLL);
  });
});
