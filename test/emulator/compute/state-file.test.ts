import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildForwarder, manifestCustomData, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, POLL, startTestEmulator } from '../helpers/emulator';

/**
 * A restarted emulator with the same state file keeps what the compute side cannot show through
 * ARM: the customData each instance runs, model versions, broken flags, pool memberships and the
 * next instance id. (`npm run emulator -- --state FILE` relies on this between sessions.)
 */
describe('compute state survives a restart with the same state file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-compute-state-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('instances keep their model, health, break and pool membership; a scale-out continues the ids and IPs', async () => {
    const stateFile = path.join(dir, 'state.json');
    const first = await startTestEmulator({ stateFile });
    let fwd: ForwarderFixture;
    let nodesBefore: unknown[] = [];
    try {
      fwd = await buildForwarder(first, { name: 'persist', capacity: 2 });
      await first.control('POST', '/nodes/break', { target: fwd.nodeIps[1], persistent: true });
      await first.compute().virtualMachineScaleSets.update(IDS.hubRg, fwd.vmssName, { virtualMachineProfile: { osProfile: { customData: manifestCustomData([{ port: 8000, targetPort: 8000 }], ['192.168.42.66']) } } }, POLL);
      await first.compute().virtualMachineScaleSets.updateInstances(IDS.hubRg, fwd.vmssName, { instanceIds: ['0'] }, POLL);
      nodesBefore = (await first.control<{ value: unknown[] }>('GET', '/nodes')).body.value;
    } finally {
      await first.stop();
    }

    const second = await startTestEmulator({ stateFile });
    try {
      // What each node runs (instance 0 upgraded but not reimaged: still its first config) survives too.
      expect((await second.control<{ value: unknown[] }>('GET', '/nodes')).body.value).toEqual(nodesBefore);
      expect(new Set((nodesBefore as { appliedConfigSha256: string }[]).map((n) => n.appliedConfigSha256)).size).toBe(1);
      const compute = second.compute();
      const vms = [];
      for await (const vm of compute.virtualMachineScaleSetVMs.list(IDS.hubRg, fwd.vmssName, { expand: 'instanceView' })) vms.push(vm);
      expect(vms.map((v) => [v.instanceId, v.latestModelApplied, v.instanceView?.vmHealth?.status?.code])).toEqual([
        ['0', true, 'HealthState/healthy'],
        ['1', false, 'HealthState/unhealthy'],
      ]);
      expect((await second.network().loadBalancers.get(IDS.hubRg, fwd.lbName)).backendAddressPools?.[0].backendIPConfigurations).toHaveLength(2);
      await compute.virtualMachineScaleSets.update(IDS.hubRg, fwd.vmssName, { sku: { capacity: 3 } }, POLL);
      const after = [];
      for await (const vm of compute.virtualMachineScaleSetVMs.list(IDS.hubRg, fwd.vmssName)) after.push(vm);
      expect(after.map((v) => v.instanceId)).toEqual(['0', '1', '2']);
      const nics = await Promise.all(after.map((v) => second.network().networkInterfaces.get(IDS.hubRg, String(v.networkProfile?.networkInterfaces?.[0].id).split('/').pop()!)));
      const ips = nics.map((n) => n.ipConfigurations?.[0].privateIPAddress);
      expect(new Set(ips).size).toBe(3);
      expect(ips.slice(0, 2)).toEqual(fwd.nodeIps);
    } finally {
      await second.stop();
    }
  });
});
