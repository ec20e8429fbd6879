import * as fs from 'node:fs';
import * as path from 'node:path';
import { ForwardRegistry } from '../../store/forward-registry';
import { IDS } from '../emulator/helpers/emulator';
import { TEST_SSH_KEY } from '../emulator/helpers/forwarder-fixture';
import { eventually, ROOT, startStack, type Stack } from './helpers/stack';

/**
 * The health watch's grace period with its default (PLF_HEALTH_GRACE_SECONDS unset = 300 s): a
 * node broken right after the forward was created is inside it and is not recycled, however many
 * bad metric samples it shows. Sweeps are driven through devhost's admin endpoint. Metric points are
 * published late, as in Azure (2 s grain, the emulator's delay of two grains; the app's
 * PLF_HEALTH_METRIC_DELAY_SECONDS set to match by the stack). This stack also sets the operator's
 * node SSH key (PLF_NODE_SSH_PUBLIC_KEY): the forward boots with it.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown>;
interface Body { generation: number; status: { phase: string; observedGeneration: number; nodes: { instanceId: string; ip?: string; health: string }[]; conditions: { type: string; status: string; reason: string; message: string }[] } }
const sweeps = () => (s.output().match(/health sweep: /g) ?? []).length;
async function sweep(): Promise<void> {
  const before = sweeps();
  expect((await s.api('POST', '/admin/functions/healthSweep', {})).status).toBe(202);
  await eventually(async () => (sweeps() > before ? true : undefined), 'the health sweep finished', 30_000);
}

beforeAll(async () => {
  s = await startStack({ PLF_HEALTH_SCHEDULE: '0 0 0 1 1 *', PLF_HEALTH_WINDOW_SECONDS: '120', PLF_NODE_SSH_PUBLIC_KEY: TEST_SSH_KEY }, {}, { grainSeconds: 2 });
}, 120_000);
afterAll(() => s?.stop());

it('a node broken inside its grace period is not recycled; the status says why', async () => {
  const r = await s.api<Body>('PUT', '/api/forwards/grace', example);
  const b = await eventually(async () => {
    const x = (await s.api<Body>('GET', '/api/forwards/grace')).body;
    return x.status.observedGeneration >= r.body.generation && x.status.phase === 'Ready' ? x : undefined;
  }, 'grace Ready', 90_000);
  // The operator's SSH key is on the nodes; no key of the forward's own was generated.
  const vmss = await s.emu.compute().virtualMachineScaleSets.get(IDS.hubRg, 'plf-grace-vmss');
  expect(vmss.virtualMachineProfile?.osProfile?.linuxConfiguration?.ssh?.publicKeys?.map((k) => k.keyData)).toEqual([TEST_SSH_KEY]);
  expect((await new ForwardRegistry(s.azurite.connectionString).get('grace'))?.nodeSshPublicKey).toBeUndefined();
  await sweep();
  await s.emu.control('DELETE', '/requests');
  await s.emu.control('POST', '/nodes/break', { target: b.status.nodes[0].ip });
  // Sweeps until the health watch holds the node it judged broken (its bad points published).
  const body = await eventually(async () => {
    await sweep();
    const x = (await s.api<Body>('GET', '/api/forwards/grace')).body;
    return x.status.conditions.some((c) => c.type === 'NodesHealthy' && c.reason === 'GracePeriod') ? x : undefined;
  }, 'grace: the broken node held in its grace period', 90_000, 1000);
  expect(body.status.conditions.find((c) => c.type === 'NodesHealthy')).toMatchObject({ status: 'False', reason: 'GracePeriod', message: expect.stringMatching(/grace period/) });
  expect(body.status.nodes.find((n) => n.instanceId === b.status.nodes[0].instanceId)?.health).toBe('unhealthy');
  const acting = (await s.emu.control<{ value: { method: string; path: string }[] }>('GET', '/requests')).body.value.filter((x) => /\/reimage$|\/delete$/i.test(x.path));
  expect(acting).toEqual([]);
}, 180_000);
