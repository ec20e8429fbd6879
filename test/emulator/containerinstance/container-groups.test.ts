import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';

/** The fixture's manifest, but letting the hub's `jump` subnet in (nodes drop other sources). */
function manifestAllowingHubJump(): string {
  const manifest = { schema: 'plf.forward/v1', forward: 'aci', ports: [{ port: 8000, targetPort: 8000 }], targets: ['192.168.42.65', '192.168.42.66'], allowedSources: ['10.0.1.64/27', '168.63.129.16/32'], healthPort: 8000 };
  const b64 = Buffer.from(JSON.stringify(manifest)).toString('base64');
  return Buffer.from(`#cloud-config\nwrite_files:\n  - path: /etc/plf/forward.json\n    encoding: b64\n    content: ${b64}\n`).toString('base64');
}
import { IDS, POLL, startTestEmulator, type TestEmulator } from '../helpers/emulator';

/**
 * Container groups through the real @azure/arm-containerinstance client: lifecycle (create, get,
 * list, stop, start, restart, update, delete), subnet rules, restart policies, logs and exit
 * codes. The groups live in the hub subscription and probe a forward's LB frontend from the hub's
 * delegated `jump` subnet (whose range the nodes' manifest allows), so a reachable target exists
 * without private endpoints.
 */
let emu: TestEmulator;
let fwd: ForwarderFixture;
let aci: ContainerInstanceManagementClient;

const group = (command: string[], o: { subnet?: string | null; restartPolicy?: string; name?: string } = {}): ContainerGroup => ({
  location: IDS.location,
  osType: 'Linux',
  ...(o.restartPolicy === undefined ? { restartPolicy: 'Never' } : o.restartPolicy === '' ? {} : { restartPolicy: o.restartPolicy }),
  ...(o.subnet === null ? {} : { subnetIds: [{ id: o.subnet ?? IDS.hubJump }] }),
  containers: [{ name: o.name ?? 'probe', image: 'busybox:1.36', command, resources: { requests: { cpu: 1, memoryInGB: 0.5 } } }],
});
const create = (name: string, cg: ContainerGroup) => aci.containerGroups.beginCreateOrUpdateAndWait(IDS.hubRg, name, cg, POLL);
const get = (name: string) => aci.containerGroups.get(IDS.hubRg, name);
const remove = (name: string) => aci.containerGroups.beginDeleteAndWait(IDS.hubRg, name, POLL);
const settings = (body: object) => emu.control('PUT', '/containerinstance/settings', body);
/** The exit of a container's first run: ACI-13 restarts a `Never` container that exited non-zero, so it may be previousState. */
const firstExit = (cg: ContainerGroup) => {
  const v = cg.containers[0].instanceView;
  return v?.currentState?.state === 'Terminated' && !v.previousState ? v.currentState.exitCode : v?.previousState?.exitCode;
};
let reachable: string[];
let unreachable: string[];

beforeAll(async () => {
  emu = await startTestEmulator();
  aci = emu.containers(IDS.hubSub);
  fwd = await buildForwarder(emu, { name: 'aci', capacity: 1 });
  const compute = emu.compute();
  const vmss = await compute.virtualMachineScaleSets.get(IDS.hubRg, fwd.vmssName);
  vmss.virtualMachineProfile!.osProfile!.customData = manifestAllowingHubJump();
  await compute.virtualMachineScaleSets.beginCreateOrUpdateAndWait(IDS.hubRg, fwd.vmssName, vmss, POLL);
  await compute.virtualMachineScaleSets.beginUpdateInstancesAndWait(IDS.hubRg, fwd.vmssName, { instanceIds: ['0'] }, POLL);
  // New customData runs only after a reimage (VMSS-2).
  await compute.virtualMachineScaleSets.beginReimageAndWait(IDS.hubRg, fwd.vmssName, { ...POLL, vmScaleSetReimageInput: { instanceIds: ['0'] } });
  reachable = ['nc', '-zv', '-w', '2', fwd.frontendIp, '8000'];
  unreachable = ['nc', '-zv', '-w', '2', fwd.frontendIp, '9000'];
});
afterAll(() => emu?.stop());

describe('container group lifecycle through the SDK', () => {
  it('create -> Succeeded with a private IP in the delegated subnet, the probe Terminated with exit 0 and its log', async () => {
    const created = await create('cg-life', group(reachable));
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.ipAddress).toMatchObject({ type: 'Private', ip: expect.stringMatching(/^10\.0\.1\.(6[4-9]|[7-9]\d)$/) });
    const cg = await get('cg-life');
    expect(cg.instanceView?.state).toBe('Succeeded');
    expect(cg.containers[0].instanceView).toMatchObject({ restartCount: 0, currentState: { state: 'Terminated', exitCode: 0, detailStatus: 'Completed' } });
    const { startTime, finishTime } = cg.containers[0].instanceView!.currentState!;
    expect(startTime).toBeInstanceOf(Date);
    expect(finishTime!.getTime()).toBeGreaterThanOrEqual(startTime!.getTime());
    expect((await aci.containers.listLogs(IDS.hubRg, 'cg-life', 'probe')).content).toBe(`${fwd.frontendIp} (${fwd.frontendIp}:8000) open\n`);
  });

  it('list by resource group and by subscription both include the group', async () => {
    const names = async (it: AsyncIterable<ContainerGroup>) => {
      const out: string[] = [];
      for await (const g of it) out.push(String(g.name));
      return out;
    };
    expect(await names(aci.containerGroups.listByResourceGroup(IDS.hubRg))).toContain('cg-life');
    expect(await names(aci.containerGroups.list())).toContain('cg-life');
    expect(await names(emu.containers(IDS.consumerSub).containerGroups.list())).not.toContain('cg-life');
  });

  it('stop -> Stopped; start runs the command again against the data path as it is now', async () => {
    await aci.containerGroups.stop(IDS.hubRg, 'cg-life');
    expect((await get('cg-life')).instanceView?.state).toBe('Stopped');
    await Promise.all(['192.168.42.65', '192.168.42.66'].map((t) => emu.control('POST', `/targets/${t}/down`)));
    try {
      await aci.containerGroups.beginStartAndWait(IDS.hubRg, 'cg-life', POLL);
      const cg = await get('cg-life');
      // Exit 1 under `Never`: the platform restarts it (ACI-13), the group runs on in back-off.
      expect([cg.instanceView?.state, firstExit(cg)]).toEqual(['Running', 1]);
      expect((await aci.containers.listLogs(IDS.hubRg, 'cg-life', 'probe')).content).toMatch(/Connection timed out/);
    } finally {
      await Promise.all(['192.168.42.65', '192.168.42.66'].map((t) => emu.control('POST', `/targets/${t}/up`)));
    }
    await aci.containerGroups.beginRestartAndWait(IDS.hubRg, 'cg-life', POLL);
    expect((await get('cg-life')).containers[0].instanceView?.currentState?.exitCode).toBe(0);
  });

  it('an update (PUT again) keeps the group IP and reruns the containers', async () => {
    const before = (await get('cg-life')).ipAddress?.ip;
    const updated = await create('cg-life', { ...group(unreachable), tags: { run: '2' } });
    expect(updated.ipAddress?.ip).toBe(before);
    expect(updated.tags).toEqual({ run: '2' });
    expect(firstExit(await get('cg-life'))).toBe(1);
  });

  it('delete -> 404 afterwards, and its IP goes back to the subnet', async () => {
    const ip = (await get('cg-life')).ipAddress?.ip;
    await remove('cg-life');
    await expect(get('cg-life')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    const again = await create('cg-again', group(reachable));
    expect(again.ipAddress?.ip).toBe(ip);
    await remove('cg-again');
  });
});

describe('subnet rules', () => {
  it.each([
    ['a subnet not delegated to container groups', IDS.hubShared, /Subnet .*\/subnets\/shared is not delegated to Microsoft\.ContainerInstance\/containerGroups/],
    ['a delegated subnet in another subscription', IDS.spokeJump, /another subscription than the container group/],
    ['a subnet that does not exist', `${IDS.hubVnet}/subnets/nope`, /subnets\/nope referenced by the container group was not found/],
  ])('%s is 400 naming it, and nothing is created', async (_situation, subnet, message) => {
    await expect(create('cg-bad', group(reachable, { subnet }))).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(message) });
    await expect(get('cg-bad')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a group without subnetIds cannot reach the private network: exit 1, and the log says why', async () => {
    await create('cg-public', group(reachable, { subnet: null }));
    const cg = await get('cg-public');
    expect(firstExit(cg)).toBe(1);
    expect((await aci.containers.listLogs(IDS.hubRg, 'cg-public', 'probe')).content).toMatch(/Network is unreachable.*set subnetIds/);
    await remove('cg-public');
  });

  it('a body with several problems is 400 naming every one', async () => {
    const r = await emu.raw<{ error: { code: string; message: string } }>('PUT', `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.ContainerInstance/containerGroups/cg-worse?api-version=2023-05-01`, {
      body: { location: IDS.location, properties: { osType: 'Mac', restartPolicy: 'Sometimes', containers: [{ name: 'Bad_Name', properties: { command: 'nc -z h 1' } }] } },
    });
    expect(r.status).toBe(400);
    for (const m of [/containers\[0\]\.name/, /containers\[0\]\.properties\.image/, /resources\.requests/, /command must be a list/, /osType/, /restartPolicy/]) expect(r.body.error.message).toMatch(m);
  });
});

describe('restart policies', () => {
  afterEach(() => settings({ restartDelayMs: 10_000, runMs: 0 }));

  it.each<[string, string, 'passes' | 'fails', string, Record<string, unknown>]>([
    ['Never with a passing probe: Terminated, never restarted, group Succeeded', 'Never', 'passes', 'Succeeded', { restartCount: 0, currentState: { state: 'Terminated', exitCode: 0, detailStatus: 'Completed' } }],
    ['Never with a failing probe: the platform restarts it anyway (ACI-13), waits in back-off, group Running', 'Never', 'fails', 'Running', { restartCount: 0, currentState: { state: 'Waiting', detailStatus: expect.stringMatching(/CrashLoopBackOff/) }, previousState: { state: 'Terminated', exitCode: 1, detailStatus: 'Error' } }],
    ['OnFailure with a passing probe: Terminated, group Succeeded', 'OnFailure', 'passes', 'Succeeded', { restartCount: 0, currentState: { state: 'Terminated', exitCode: 0 } }],
    ['OnFailure with a failing probe: waits in back-off, group Running', 'OnFailure', 'fails', 'Running', { restartCount: 0, currentState: { state: 'Waiting', detailStatus: expect.stringMatching(/CrashLoopBackOff/) }, previousState: { state: 'Terminated', exitCode: 1 } }],
    ['no policy (ACI default Always) with a passing probe: restarts too', '', 'passes', 'Running', { currentState: { state: 'Waiting' }, previousState: { state: 'Terminated', exitCode: 0 } }],
  ])('%s', async (_situation, policy, probe, groupState, view) => {
    const name = `cg-rp-${policy.toLowerCase() || 'default'}-${groupState.toLowerCase()}`;
    await create(name, group(probe === 'passes' ? reachable : unreachable, { restartPolicy: policy }));
    const cg = await get(name);
    expect(cg.restartPolicy).toBe(policy || 'Always');
    expect(cg.instanceView?.state).toBe(groupState);
    expect(cg.containers[0].instanceView).toMatchObject(view);
    await remove(name);
  });

  it('after the back-off a restarting container runs the probe again and counts the restart', async () => {
    await settings({ restartDelayMs: 0 });
    await create('cg-crash', group(unreachable, { restartPolicy: 'OnFailure' }));
    const first = (await get('cg-crash')).containers[0].instanceView!;
    const second = (await get('cg-crash')).containers[0].instanceView!;
    expect(first.restartCount).toBeGreaterThanOrEqual(1);
    expect(second.restartCount).toBe(first.restartCount! + 1);
    expect(second.previousState).toMatchObject({ state: 'Terminated', exitCode: 1 });
    await remove('cg-crash');
  });

  it('Never with a failing probe (ACI-13): after the back-off the platform runs it again, Running with the first exit as previousState; the log is the latest run\'s', async () => {
    await settings({ restartDelayMs: 60_000, runMs: 0 });
    try {
      await create('cg-never-rerun', group(unreachable, { restartPolicy: 'Never' }));
      // The first run ended at once (exit 1); with the back-off over this read restarts it, and the rerun lasts a minute.
      await settings({ restartDelayMs: 0, runMs: 60_000 });
      const cg = await get('cg-never-rerun');
      expect(cg.containers[0].instanceView).toMatchObject({ restartCount: 1, currentState: { state: 'Running' }, previousState: { state: 'Terminated', exitCode: 1, detailStatus: 'Error', finishTime: expect.any(Date) } });
      expect(cg.instanceView?.state).toBe('Running');
      const log = (await aci.containers.listLogs(IDS.hubRg, 'cg-never-rerun', 'probe')).content!;
      expect(log.match(/Connection timed out/g)).toHaveLength(1);
    } finally {
      await settings({ runMs: 0 });
      await remove('cg-never-rerun');
    }
  });

  it('Never with a failing probe (ACI-13): restarted once only, then Terminated for good with restartCount 1, group Failed', async () => {
    await settings({ restartDelayMs: 0, runMs: 0 });
    await create('cg-never-once', group(unreachable, { restartPolicy: 'Never' }));
    const views = [];
    for (let i = 0; i < 3; i++) views.push((await get('cg-never-once')).containers[0].instanceView!);
    expect(views.map((v) => v.restartCount)).toEqual([1, 1, 1]);
    expect(views[2]).toMatchObject({ currentState: { state: 'Terminated', exitCode: 1 }, previousState: { state: 'Terminated', exitCode: 1 } });
    expect((await get('cg-never-once')).instanceView?.state).toBe('Failed');
    await remove('cg-never-once');
  });

  it('a deployment that failed (failLro, ACI-15): no container runs, no exit code, no log, group Failed', async () => {
    const fault = await emu.control<{ id: string }>('POST', '/faults', { kind: 'failLro', method: 'PUT', resourceType: 'Microsoft.ContainerInstance/containerGroups', count: 1, code: 'ContainerGroupDeploymentFailed', message: 'injected' });
    expect(fault.status).toBe(201);
    await expect(create('cg-failed', group(unreachable, { restartPolicy: 'Never' }))).rejects.toThrow(/ContainerGroupDeploymentFailed/);
    const cg = await get('cg-failed');
    expect(cg.provisioningState).toBe('Failed');
    expect(cg.instanceView?.state).toBe('Failed');
    const view = cg.containers[0].instanceView!;
    expect(view).toMatchObject({ restartCount: 0, currentState: { state: 'Waiting' } });
    expect(view.currentState?.exitCode).toBeUndefined();
    expect(view.previousState).toBeUndefined();
    expect((await aci.containers.listLogs(IDS.hubRg, 'cg-failed', 'probe')).content ?? '').toBe('');
    await remove('cg-failed');
  });

  it('settings reject bad values naming each', async () => {
    const r = await emu.control<{ error: { message: string } }>('PUT', '/containerinstance/settings', { runMs: -1, restartDelayMs: 'x', speed: 2 });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/runMs.*restartDelayMs.*unknown settings: speed/s);
  });
});

describe('logs', () => {
  beforeAll(() => create('cg-logs', group(['sh', '-c', `time nc -zv -w 2 ${fwd.frontendIp} 8000`])));

  it.each<[string, number | undefined, RegExp]>([
    ['every line', undefined, /^\S+ \(\S+:8000\) open\nreal\t0m 0\.01s\nuser\t0m 0\.00s\nsys\t0m 0\.00s\n$/],
    ['the last two lines with tail=2', 2, /^user\t0m 0\.00s\nsys\t0m 0\.00s\n$/],
  ])('%s', async (_situation, tail, content) => {
    expect((await aci.containers.listLogs(IDS.hubRg, 'cg-logs', 'probe', tail === undefined ? {} : { tail })).content).toMatch(content);
  });

  it.each([
    ['an unknown container', 'cg-logs', 'other', 'ContainerNotFound'],
    ['an unknown group', 'cg-none', 'probe', 'ResourceNotFound'],
  ])('%s is 404 with its ARM code', async (_situation, groupName, container, code) => {
    await expect(aci.containers.listLogs(IDS.hubRg, groupName, container)).rejects.toMatchObject({ statusCode: 404, code });
  });
});
