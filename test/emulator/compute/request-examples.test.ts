import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, POLL, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { compareShapes, exampleBody, loadExample } from '../helpers/shape';

/**
 * The published compute examples used as requests: the emulator accepts the request bodies
 * Microsoft documents (with their placeholders pointed at the emulator's topology) and answers
 * with bodies of the example response's shape. Complements the response-shape tests in
 * test/emulator/shape-conformance-compute.test.ts.
 */
let t: TestEmulator;
let fwd: ForwarderFixture;

beforeAll(async () => {
  t = await startTestEmulator();
  fwd = await buildForwarder(t, { name: 'reqex', capacity: 3 });
});
afterAll(() => t?.stop());

const API = 'api-version=2025-04-01';
const vmssPath = (name: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;

function withTopology(v: unknown): unknown {
  const text = JSON.stringify(v)
    .replace(/\/subscriptions\/\{subscription-id\}\/resourceGroups\/myResourceGroup\/providers\/Microsoft\.Network\/virtualNetworks\/\{existing-virtual-network-name\}\/subnets\/\{existing-subnet-name\}/g, IDS.hubShared)
    .replace(/\{vmss-name\}/g, 'example')
    .replace(/\{your-username\}/g, 'plf')
    .replace(/"westus"/g, JSON.stringify(IDS.location));
  return JSON.parse(text);
}

describe('published request bodies are accepted', () => {
  it('VirtualMachineScaleSet_Create_WithSshAuthentication: 201, the example response shape, 3 instances', async () => {
    const body = withTopology(loadExample('compute/VirtualMachineScaleSet_Create_WithSshAuthentication.json').parameters.parameters);
    const r = await t.raw('PUT', `${vmssPath('example')}?${API}`, { body });
    expect(r.status).toBe(201);
    expect(r.headers['azure-asyncoperation']).toBeDefined();
    expect(compareShapes(r.body, exampleBody('compute/VirtualMachineScaleSet_Create_WithSshAuthentication.json', '201'))).toEqual([]);
    const vms = await t.raw<{ value: { name: string }[] }>('GET', `${vmssPath('example')}/virtualMachines?${API}`);
    expect(vms.body.value.map((v) => v.name)).toEqual(['example_0', 'example_1', 'example_2']);
  });

  it('VirtualMachineScaleSet_Reimage_MaximumSet_Gen: the documented input (tempDisk, forceUpdateOSDiskForEphemeral) is accepted', async () => {
    const input = loadExample('compute/VirtualMachineScaleSet_Reimage_MaximumSet_Gen.json').parameters.vmScaleSetReimageInput as Record<string, unknown>;
    await t.control('POST', '/nodes/break', { target: fwd.nodeIps[1] });
    await t.compute().virtualMachineScaleSets.reimage(IDS.hubRg, fwd.vmssName, { ...POLL, vmScaleSetReimageInput: { ...input, instanceIds: ['1'] } });
    const vm = await t.compute().virtualMachineScaleSetVMs.get(IDS.hubRg, fwd.vmssName, '1', { expand: 'instanceView' });
    expect(vm.instanceView?.vmHealth?.status?.code).toBe('HealthState/healthy');
  });

  it('VirtualMachineScaleSet_DeleteInstances_MaximumSet_Gen: forceDeletion is accepted; 202 with Location, then the instance is gone', async () => {
    const ex = loadExample('compute/VirtualMachineScaleSet_DeleteInstances_MaximumSet_Gen.json').parameters;
    const r = await t.raw('POST', `${vmssPath(fwd.vmssName)}/delete?${API}&forceDeletion=${String(ex.forceDeletion)}`, { body: { instanceIds: ['2'] } });
    expect(r.status).toBe(202);
    expect(r.headers.location).toBeDefined();
    await t.compute().virtualMachineScaleSets.deleteInstances(IDS.hubRg, fwd.vmssName, { instanceIds: ['0'] }, { ...POLL, forceDeletion: true });
    const vms = await t.raw<{ value: { instanceId: string }[] }>('GET', `${vmssPath(fwd.vmssName)}/virtualMachines?${API}`);
    expect(vms.body.value.map((v) => v.instanceId)).toEqual(['1']);
  });
});
