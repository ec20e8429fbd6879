import type { ComputeManagementClient } from '@azure/arm-compute';
import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, POLL, startTestEmulator, type TestEmulator } from '../helpers/emulator';

/**
 * Node control (`POST /_emulator/nodes/break|repair`) and what a product's recycle flow sees
 * through the real SDK: the target forms it takes, its refusals, and replacing a node with a
 * persistent fault (deleteInstances, then capacity back) as the cure a reimage is not.
 */
let emu: TestEmulator;
let compute: ComputeManagementClient;
let fwd: ForwarderFixture;

beforeAll(async () => {
  emu = await startTestEmulator();
  compute = emu.compute();
  fwd = await buildForwarder(emu, { name: 'nc', capacity: 2 });
});
afterAll(() => emu?.stop());

async function health(): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for await (const vm of compute.virtualMachineScaleSetVMs.list(IDS.hubRg, fwd.vmssName, { expand: 'instanceView' })) out[String(vm.instanceId)] = vm.instanceView?.vmHealth?.status?.code;
  return out;
}

const vmId = (n: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${fwd.vmssName}/virtualMachines/${n}`;

describe('break and repair', () => {
  it.each([
    ['by instance resource id', () => vmId('1')],
    ['by instance name', () => `${fwd.vmssName}_1`],
    ['by NIC IP', () => fwd.nodeIps[1]],
  ])('%s: the instance turns unhealthy, repair brings it back', async (_s, target) => {
    const broken = await emu.control<{ id: string; ip: string; broken: { persistent: boolean } }>('POST', '/nodes/break', { target: target() });
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ id: vmId('1'), ip: fwd.nodeIps[1], broken: { persistent: false } });
    expect(await health()).toEqual({ '0': 'HealthState/healthy', '1': 'HealthState/unhealthy' });
    expect((await emu.control('POST', '/nodes/repair', { target: target() })).status).toBe(200);
    expect(await health()).toEqual({ '0': 'HealthState/healthy', '1': 'HealthState/healthy' });
  });

  it.each([
    ['an unknown node', 404, { target: '10.9.9.9' }, /10\.9\.9\.9/],
    ['no target', 400, {}, /target/],
    ['a target that is not a string', 400, { target: 7 }, /target/],
  ])('%s is %i naming the problem', async (_s, status, body, message) => {
    const r = await emu.control<{ error: { message: string } }>('POST', '/nodes/break', body);
    expect(r.status).toBe(status);
    expect(r.body.error.message).toMatch(message);
  });
});

describe('a persistent fault (a bad host)', () => {
  it('survives a reimage and an upgrade; replacing the instance gives a healthy node at a new id', async () => {
    await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[0], persistent: true });
    await compute.virtualMachineScaleSetVMs.reimage(IDS.hubRg, fwd.vmssName, '0', POLL);
    await compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, fwd.vmssName, { instanceIds: ['0'] }, POLL);
    expect(await health()).toEqual({ '0': 'HealthState/unhealthy', '1': 'HealthState/healthy' });
    await compute.virtualMachineScaleSets.deleteInstances(IDS.hubRg, fwd.vmssName, { instanceIds: ['0'] }, POLL);
    await compute.virtualMachineScaleSets.update(IDS.hubRg, fwd.vmssName, { sku: { capacity: 2 } }, POLL);
    expect(await health()).toEqual({ '1': 'HealthState/healthy', '2': 'HealthState/healthy' });
  });
});
