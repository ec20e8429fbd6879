import { createHash } from 'node:crypto';
import type { ComputeManagementClient, VirtualMachineScaleSet } from '@azure/arm-compute';
import { manifestCustomData, TEST_SSH_KEY } from '../helpers/forwarder-fixture';
import { IDS, POLL, startTestEmulator, type TestEmulator } from '../helpers/emulator';

/**
 * The scale set rules of tools/emulator/AZURE-RULES.md ("Scale sets", VMSS-n), each through the
 * real @azure/arm-compute client or the raw ARM API: what Azure refuses, and what a node runs.
 */
let emu: TestEmulator;
let compute: ComputeManagementClient;

const API = 'api-version=2024-11-01';
const vmssPath = (name: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const SSH = { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/plf/.ssh/authorized_keys', keyData: TEST_SSH_KEY }] } };
const TO_65 = manifestCustomData([{ port: 8000, targetPort: 8000 }], ['192.168.42.65']);
/** A manifest whose only target is down: a node RUNNING it fails its health probe. */
const TO_DOWN = manifestCustomData([{ port: 8000, targetPort: 8000 }], ['192.168.42.97']);

interface NodeEntry {
  id: string;
  ip: string;
  latestModelApplied: boolean;
  appliedConfigSha256: string | null;
}

function model(o: { capacity?: number; customData?: string; userData?: string; zones?: string[]; location?: string; linux?: object; adminPassword?: string; orchestrationMode?: string } = {}): VirtualMachineScaleSet {
  return {
    location: o.location ?? IDS.location,
    sku: { name: 'Standard_B1s', capacity: o.capacity ?? 2 },
    ...(o.zones ? { zones: o.zones } : {}),
    ...(o.orchestrationMode ? { orchestrationMode: o.orchestrationMode } : {}),
    upgradePolicy: { mode: 'Manual' },
    virtualMachineProfile: {
      osProfile: {
        computerNamePrefix: 'rules',
        adminUsername: 'plf',
        ...(o.adminPassword ? { adminPassword: o.adminPassword } : {}),
        ...(o.customData !== undefined ? { customData: o.customData } : o.userData ? {} : { customData: TO_65 }),
        ...('linux' in o ? (o.linux ? { linuxConfiguration: o.linux } : {}) : { linuxConfiguration: SSH }),
      },
      ...(o.userData ? { userData: o.userData } : {}),
      storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: '24.04.202609040' } },
      networkProfile: { networkInterfaceConfigurations: [{ name: 'nic', primary: true, ipConfigurations: [{ name: 'ipc', subnet: { id: IDS.hubShared } }] }] },
      extensionProfile: { extensions: [{ name: 'health', publisher: 'Microsoft.ManagedServices', typePropertiesType: 'ApplicationHealthLinux', typeHandlerVersion: '2.0', settings: { protocol: 'tcp', port: 8000 } }] },
    },
  } as VirtualMachineScaleSet;
}

async function nodesOf(name: string): Promise<NodeEntry[]> {
  const all = (await emu.control<{ value: NodeEntry[] }>('GET', '/nodes')).body.value;
  return all.filter((n) => n.id.toLowerCase().startsWith(`${vmssPath(name)}/virtualMachines/`.toLowerCase()));
}

async function health(name: string): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = [];
  for await (const vm of compute.virtualMachineScaleSetVMs.list(IDS.hubRg, name, { expand: 'instanceView' })) out.push(vm.instanceView?.vmHealth?.status?.code);
  return out;
}

beforeAll(async () => {
  emu = await startTestEmulator();
  compute = emu.compute();
  await emu.control('PUT', '/targets/192.168.42.97', { up: false, openPorts: [8000] });
});
afterAll(() => emu?.stop());

describe('VMSS-1: a Linux profile must let someone in', () => {
  it.each([
    ['password authentication disabled and no SSH key: 400, target linuxConfiguration', { linux: { disablePasswordAuthentication: true } }, 400, 'Authentication using either SSH or by user name and password must be enabled in Linux profile.', 'linuxConfiguration'],
    ['password authentication disabled and an empty key list: 400', { linux: { disablePasswordAuthentication: true, ssh: { publicKeys: [] } } }, 400, 'Authentication using either SSH or by user name and password must be enabled in Linux profile.', 'linuxConfiguration'],
    ['no linuxConfiguration and no adminPassword: 400 adminPassword missing', { linux: undefined }, 400, "Required parameter 'adminPassword' is missing (null).", 'adminPassword'],
    ['an SSH key: created', {}, 201, undefined, undefined],
    ['password authentication on with an adminPassword: created', { linux: { disablePasswordAuthentication: false }, adminPassword: 'Plf-test-0nly!' }, 201, undefined, undefined],
  ])('%s', async (situation, o, status, message, target) => {
    const name = `auth-${situation.length}`;
    const r = await put(name, model({ capacity: 0, ...o }));
    expect(r.status).toBe(status);
    if (message) expect(r.error).toEqual({ code: 'InvalidParameter', message, target });
  });
});

/** The ARM wire body of a model (the SDK's client-side flattening undone, for raw calls). */
function toWire(m: VirtualMachineScaleSet): Record<string, unknown> {
  const { location, sku, zones, tags, virtualMachineProfile, ...props } = m as unknown as Record<string, unknown> & { virtualMachineProfile: Record<string, Record<string, unknown>> };
  const { networkProfile, extensionProfile, ...profile } = virtualMachineProfile;
  const nics = (networkProfile.networkInterfaceConfigurations as { name: string; primary: boolean; ipConfigurations: { name: string; subnet: unknown }[] }[]).map((n) => ({
    name: n.name,
    properties: { primary: n.primary, ipConfigurations: n.ipConfigurations.map((c) => ({ name: c.name, properties: { subnet: c.subnet } })) },
  }));
  const exts = (extensionProfile.extensions as { name: string; typePropertiesType: string; [k: string]: unknown }[]).map(({ name, typePropertiesType, ...rest }) => ({ name, properties: { ...rest, type: typePropertiesType } }));
  return {
    location,
    sku,
    ...(zones ? { zones } : {}),
    ...(tags ? { tags } : {}),
    properties: { ...props, virtualMachineProfile: { ...profile, networkProfile: { networkInterfaceConfigurations: nics }, extensionProfile: { extensions: exts } } },
  };
}

/** A raw PUT: the status and the ARM error body as sent (code, message, target). */
async function put(name: string, m: VirtualMachineScaleSet): Promise<{ status: number; error?: { code: string; message: string; target?: string }; zones?: string[] }> {
  const r = await emu.raw<{ error?: { code: string; message: string; target?: string }; zones?: string[] }>('PUT', `${vmssPath(name)}?${API}`, { body: toWire(m) });
  await emu.control('POST', '/operations/settle');
  return { status: r.status, ...(r.body.error ? { error: r.body.error } : {}), ...(r.body.zones ? { zones: r.body.zones } : {}) };
}

describe('VMSS-2: a node runs the config it last booted with (create, reimage), not the model', () => {
  it('create → the model\'s customData; manualUpgrade → latest model but the old config still runs; reimage → the new config; a new instance boots the latest', async () => {
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'booted', model({ customData: TO_65 }), POLL);
    expect((await nodesOf('booted')).map((n) => [n.latestModelApplied, n.appliedConfigSha256])).toEqual([
      [true, sha256(TO_65)],
      [true, sha256(TO_65)],
    ]);
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'booted', model({ customData: TO_DOWN }), POLL);
    await compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, 'booted', { instanceIds: ['0', '1'] }, POLL);
    expect((await nodesOf('booted')).map((n) => [n.latestModelApplied, n.appliedConfigSha256])).toEqual([
      [true, sha256(TO_65)],
      [true, sha256(TO_65)],
    ]);
    // The data path follows what runs: still the reachable target.
    expect(await health('booted')).toEqual(['HealthState/healthy', 'HealthState/healthy']);
    await compute.virtualMachineScaleSetVMs.reimage(IDS.hubRg, 'booted', '0', POLL);
    expect((await nodesOf('booted')).map((n) => n.appliedConfigSha256)).toEqual([sha256(TO_DOWN), sha256(TO_65)]);
    expect(await health('booted')).toEqual(['HealthState/unhealthy', 'HealthState/healthy']);
    await compute.virtualMachineScaleSets.update(IDS.hubRg, 'booted', { sku: { capacity: 3 } }, POLL);
    expect((await nodesOf('booted')).map((n) => n.appliedConfigSha256)).toEqual([sha256(TO_DOWN), sha256(TO_65), sha256(TO_DOWN)]);
  });

  it('a reimage of an instance that was not upgraded boots its own (old) model again', async () => {
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'stale', model({ customData: TO_65, capacity: 1 }), POLL);
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'stale', model({ customData: TO_DOWN, capacity: 1 }), POLL);
    await compute.virtualMachineScaleSetVMs.reimage(IDS.hubRg, 'stale', '0', POLL);
    expect((await nodesOf('stale')).map((n) => [n.latestModelApplied, n.appliedConfigSha256])).toEqual([[false, sha256(TO_65)]]);
  });

  it('a model with userData: the node\'s config hash is the userData\'s', async () => {
    const userData = Buffer.from('{"forward":"u"}').toString('base64');
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'userdata', model({ userData, capacity: 1 }), POLL);
    expect((await nodesOf('userdata')).map((n) => n.appliedConfigSha256)).toEqual([sha256(userData)]);
  });

  it('neither the scale set nor an instance returns customData', async () => {
    const got = await emu.raw<{ properties: { virtualMachineProfile: { osProfile: Record<string, unknown> } } }>('GET', `${vmssPath('booted')}?${API}`);
    expect(got.body.properties.virtualMachineProfile.osProfile.customData).toBeUndefined();
    const vm = await emu.raw<{ properties: { osProfile?: Record<string, unknown> } }>('GET', `${vmssPath('booted')}/virtualMachines/0?${API}`);
    expect(vm.body.properties.osProfile?.customData).toBeUndefined();
  });
});

describe('VMSS-3: a scale set being deleted takes no writes', () => {
  it.each([
    ['PUT', async (name: string) => {
      const r = await put(name, model({ capacity: 1 }));
      return { status: r.status, body: { error: r.error! } };
    }],
    ['PATCH', (name: string) => emu.raw<{ error: { code: string; message: string } }>('PATCH', `${vmssPath(name)}?${API}`, { body: { sku: { capacity: 2 } } })],
    ['a reimage', (name: string) => emu.raw<{ error: { code: string; message: string } }>('POST', `${vmssPath(name)}/reimage?${API}`, { body: { instanceIds: ['0'] } })],
  ])('%s while Deleting: 409 OperationNotAllowed "marked for deletion", not AnotherOperationInProgress', async (what, write) => {
    const name = `dying-${what.length}`;
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, name, model({ capacity: 1 }), POLL);
    await emu.control('PUT', '/settings', { lroDelayMs: 60_000 });
    try {
      expect((await emu.raw('DELETE', `${vmssPath(name)}?${API}`)).status).toBe(202);
      const r = await write(name);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('OperationNotAllowed');
      expect(r.body.error.message).toMatch(/since it is marked for deletion/);
    } finally {
      await emu.control('PUT', '/settings', { lroDelayMs: 0 });
      await emu.control('POST', '/operations/settle');
    }
    expect((await emu.raw('GET', `${vmssPath(name)}?${API}`)).status).toBe(404);
  });
});

describe('VMSS-4: zones', () => {
  it.each([
    ['removing a zone: 409 PropertyChangeNotAllowed', ['1', '2', '3'], ['1', '2'], 409, 'PropertyChangeNotAllowed'],
    ['removing every zone: 409 PropertyChangeNotAllowed', ['1', '2'], undefined, 409, 'PropertyChangeNotAllowed'],
    ['adding a zone: accepted', ['1'], ['1', '2'], 200, undefined],
  ])('%s', async (situation, before, after, status, code) => {
    const name = `zones-${situation.length}`;
    await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, name, model({ capacity: 1, zones: before }), POLL);
    const r = await put(name, model({ capacity: 1, ...(after ? { zones: after } : {}) }));
    expect(r.status).toBe(status);
    if (code) expect(r.error?.code).toBe(code);
    else expect(r.zones).toEqual(after);
  });

  it.each([
    ['a zone westeurope does not have', IDS.location, ['1', '4'], /zone\(s\) '4'.*supported zones for location 'westeurope' are '1,2,3'/],
    ['any zone in a region without zones', 'northcentralus', ['1'], /zone\(s\) '1'.*supported zones for location 'northcentralus' are ''/],
  ])('%s: 400 InvalidParameter naming the zones the region offers', async (_situation, location, zones, message) => {
    const r = await put('badzone', model({ capacity: 1, zones, location }));
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ code: 'InvalidParameter', message: expect.stringMatching(message), target: 'zones' });
  });
});

describe('VMSS-5: orchestrationMode', () => {
  it('absent means Uniform, and it cannot change afterwards', async () => {
    const created = await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'uniform', model({ capacity: 1 }), POLL);
    expect(created.orchestrationMode).toBe('Uniform');
    const r = await put('uniform', model({ capacity: 1, orchestrationMode: 'Flexible' }));
    expect([r.status, r.error?.code]).toEqual([409, 'PropertyChangeNotAllowed']);
  });

  describe('a Flexible scale set refuses the VMSS-VM APIs', () => {
    beforeAll(async () => {
      await compute.virtualMachineScaleSets.createOrUpdate(IDS.hubRg, 'flex', model({ capacity: 1, orchestrationMode: 'Flexible' }), POLL);
    });

    it.each([
      ['manualUpgrade (updateInstances)', () => compute.virtualMachineScaleSets.updateInstances(IDS.hubRg, 'flex', { instanceIds: ['0'] }, POLL)],
      ['a per-instance reimage', () => compute.virtualMachineScaleSetVMs.reimage(IDS.hubRg, 'flex', '0', POLL)],
      ['the scale set reimage of instances', () => compute.virtualMachineScaleSets.reimage(IDS.hubRg, 'flex', { ...POLL, vmScaleSetReimageInput: { instanceIds: ['0'] } })],
      ['the instance list with instance views', async () => {
        for await (const vm of compute.virtualMachineScaleSetVMs.list(IDS.hubRg, 'flex', { expand: 'instanceView' })) void vm;
      }],
      ['one instance', () => compute.virtualMachineScaleSetVMs.get(IDS.hubRg, 'flex', '0', { expand: 'instanceView' })],
      ['the scale set instance view', () => compute.virtualMachineScaleSets.getInstanceView(IDS.hubRg, 'flex')],
    ])('%s: 409 OperationNotAllowed', async (_what, call) => {
      await expect(call()).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    });

    it('the answer names the operation and the Flexible orchestration mode', async () => {
      const r = await emu.raw<{ error: { message: string } }>('POST', `${vmssPath('flex')}/manualupgrade?${API}`, { body: { instanceIds: ['0'] } });
      expect(r.body.error.message).toMatch(/Operation 'VirtualMachineScaleSets\.manualupgrade' is not allowed .* Flexible orchestration mode/);
    });
  });
});

describe('VMSS-6: a reimage does not power a stopped node on', () => {
  const powerOf = async (name: string, id: string) => (await compute.virtualMachineScaleSetVMs.getInstanceView(IDS.hubRg, name, id)).statuses?.find((x) => x.code?.startsWith('PowerState/'))?.code;
  it.each([
    ['powered off', 'powerOff', 'PowerState/stopped'],
    ['deallocated', 'deallocate', 'PowerState/deallocated'],
  ] as const)('%s, then reimaged: still %s until started', async (_situation, action, state) => {
    const name = `off-${action.toLowerCase()}`;
    await compute.virtualMachineScaleSets.beginCreateOrUpdateAndWait(IDS.hubRg, name, model({ capacity: 1 }), POLL);
    await compute.virtualMachineScaleSetVMs[action === 'powerOff' ? 'beginPowerOffAndWait' : 'beginDeallocateAndWait'](IDS.hubRg, name, '0', POLL);
    expect(await powerOf(name, '0')).toBe(state);
    await compute.virtualMachineScaleSetVMs.beginReimageAndWait(IDS.hubRg, name, '0', POLL);
    expect(await powerOf(name, '0')).toBe(state);
    await compute.virtualMachineScaleSetVMs.beginStartAndWait(IDS.hubRg, name, '0', POLL);
    expect(await powerOf(name, '0')).toBe('PowerState/running');
  });
});
