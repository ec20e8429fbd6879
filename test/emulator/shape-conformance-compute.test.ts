import { buildForwarder, type ForwarderFixture } from './helpers/forwarder-fixture';
import { IDS, startTestEmulator, type TestEmulator } from './helpers/emulator';
import { compareShapes, exampleBody, missingPaths, propertyPaths } from './helpers/shape';
import { grain, publishNext } from './monitor/published';

/** Wire bodies of compute, container instances and metrics compared with the published examples. */
let t: TestEmulator;
let fwd: ForwarderFixture;
const bodies: Record<string, unknown> = {};

beforeAll(async () => {
  t = await startTestEmulator();
  fwd = await buildForwarder(t, { name: 'shape', capacity: 2 });
  const computeApi = '?api-version=2024-11-01';
  const vmss = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${fwd.vmssName}`;
  bodies.vmssGet = (await t.raw('GET', `${vmss}${computeApi}`)).body;
  bodies.vmssView = (await t.raw('GET', `${vmss}/instanceView${computeApi}`)).body;
  bodies.vmView = (await t.raw('GET', `${vmss}/virtualMachines/0/instanceView${computeApi}`)).body;
  const aciApi = '?api-version=2023-05-01';
  const cg = `/subscriptions/${IDS.consumerSub}/resourceGroups/${IDS.spokeRg}/providers/Microsoft.ContainerInstance/containerGroups/probe`;
  bodies.cgPut = (await t.raw('PUT', `${cg}${aciApi}`, {
    body: {
      location: IDS.location,
      properties: {
        osType: 'Linux',
        restartPolicy: 'Never',
        subnetIds: [{ id: IDS.spokeJump }],
        containers: [{ name: 'probe', properties: { image: 'busybox:1.36', command: ['nc', '-z', '10.1.0.99', '8000'], resources: { requests: { cpu: 1, memoryInGB: 1.5 } } } }],
      },
    },
  })).body;
  bodies.cgGet = (await t.raw('GET', `${cg}${aciApi}`)).body;
  bodies.logs = (await t.raw('GET', `${cg}/containers/probe/logs${aciApi}`)).body;
  // Metrics are published late and grains without data have no values (AZURE-RULES.md MON-1, MON-2):
  // the clock is advanced until the next grain is published, then the span of that one grain.
  const since = publishNext(t);
  type Batch = { values: { value: { timeseries: { data: { timeStamp: string; average?: number }[] }[] }[] }[] };
  const batch = (start: Date, end: Date) =>
    t.raw<Batch>('POST', `/subscriptions/${IDS.hubSub}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.Network/loadBalancers&metricnames=DipAvailability&interval=PT15M&starttime=${start.toISOString()}&endtime=${end.toISOString()}&filter=BackendIPAddress eq '*'`, {
      body: { resourceids: [fwd.lbId] },
    });
  bodies.batch = (await batch(new Date(since), new Date(since + grain(t)))).body;
});
afterAll(() => t?.stop());

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
  return v;
}

describe('shape conformance with the published examples (compute, container instances, metrics)', () => {
  it.each([
    ['VirtualMachineScaleSets_Get', 'vmssGet', 'compute/VirtualMachineScaleSet_Create_WithSshAuthentication.json', '200', ['sku.capacity', 'properties.provisioningState', 'properties.uniqueId', 'properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[].properties.ipConfigurations[].properties.subnet.id'], 0.5],
    ['VirtualMachineScaleSets_GetInstanceView', 'vmssView', 'compute/VirtualMachineScaleSet_GetInstanceView_MaximumSet_Gen.json', '200', ['virtualMachine.statusesSummary[].code', 'statuses[].code'], 0.3],
    ['VirtualMachineScaleSetVMs_GetInstanceView', 'vmView', 'compute/VirtualMachineScaleSetVM_Get_InstanceViewAutoPlacedOnDedicatedHostGroup.json', '200', ['statuses[].code', 'vmHealth.status.code', 'vmAgent.statuses[].code'], 0.5],
    ['ContainerGroups_CreateOrUpdate', 'cgPut', 'containerinstance/ContainerGroupsCreateOrUpdate.2021-10-01.json', '200', ['properties.provisioningState', 'properties.containers[].properties.image'], 0.3],
    // The sample group has volumes, registry credentials and public ports a probe group does not use.
    // The probe exits 1 (nothing at 10.1.0.99) under `Never`: the platform restarts it (ACI-13), its exit in previousState.
    ['ContainerGroups_Get', 'cgGet', 'containerinstance/ContainerGroupsGet_Succeeded.json', '200', ['properties.containers[].properties.instanceView.currentState.state', 'properties.containers[].properties.instanceView.previousState.exitCode', 'properties.ipAddress.ip', 'properties.instanceView.state'], 0.4],
    ['Containers_ListLogs', 'logs', 'containerinstance/ContainerListLogs.json', '200', ['content'], 0.9],
    ['Metrics_Batch', 'batch', 'monitor/MetricBatchExample.2024-02-01.json', '200', ['values[].resourceid', 'values[].value[].timeseries[].metadatavalues[].value', 'values[].value[].timeseries[].data[].average'], 0.6],
  ])('%s', (_n, key, example, status, required, coverage) => {
    const actual = bodies[key];
    // A null in a sample means "not present in that sample", not "always null".
    const ex = dropNulls(exampleBody(example as string, status as string));
    expect(compareShapes(actual, ex)).toEqual([]);
    expect(missingPaths(actual, required as string[])).toEqual([]);
    const exPaths = propertyPaths(ex);
    const have = new Set(propertyPaths(actual));
    expect(exPaths.filter((p) => have.has(p)).length / exPaths.length).toBeGreaterThan(coverage as number);
  });
});
