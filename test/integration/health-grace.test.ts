import { ForwardRegistry } from '../../store/forward-registry';
import { IDS } from '../emulator/helpers/emulator';
import { TEST_SSH_KEY } from '../emulator/helpers/forwarder-fixture';
import { example, healthKit, startHealthStack, type ForwardBody } from './helpers/health';
import { eventually, type Stack } from './helpers/stack';

/**
 * The health watch's grace period with its default (PLF_HEALTH_GRACE_SECONDS unset = 300 s): a
 * node broken right after the forward was created is inside it and is not recycled, however many
 * bad metric samples it shows. Azure's metric timing on the stack's controllable clock (PT1M
 * grain, points published two grains late, the app's PLF_HEALTH_METRIC_DELAY_SECONDS set to
 * match): each step advances one grain and runs one sweep. This stack also sets the operator's
 * node SSH key (PLF_NODE_SSH_PUBLIC_KEY): the forward boots with it.
 */
let s: Stack;
const { get, sweep, sweepUntil } = healthKit(() => s);

beforeAll(async () => {
  s = await startHealthStack({ PLF_NODE_SSH_PUBLIC_KEY: TEST_SSH_KEY });
}, 120_000);
afterAll(() => s?.stop());

it('a node broken inside its grace period is not recycled; the status says why', async () => {
  const r = await s.api<ForwardBody>('PUT', '/api/forwards/grace', example);
  const b = await eventually(async () => {
    const x = await get('grace');
    return x.status.observedGeneration >= r.body.generation && x.status.phase === 'Ready' ? x : undefined;
  }, 'grace Ready', 90_000);
  // The operator's SSH key is on the nodes; no key of the forward's own was generated.
  const vmss = await s.emu.compute().virtualMachineScaleSets.get(IDS.hubRg, 'plf-grace-vmss');
  expect(vmss.virtualMachineProfile?.osProfile?.linuxConfiguration?.ssh?.publicKeys?.map((k) => k.keyData)).toEqual([TEST_SSH_KEY]);
  expect((await new ForwardRegistry(s.azurite.connectionString).get('grace'))?.nodeSshPublicKey).toBeUndefined();
  await sweep();
  await s.emu.control('DELETE', '/requests');
  await s.emu.control('POST', '/nodes/break', { target: b.status.nodes[0].ip });
  // Grain by grain until the health watch holds the node it judged broken (its bad points published).
  const body = await sweepUntil(async () => {
    const x = await get('grace');
    return x.status.conditions.some((c) => c.type === 'NodesHealthy' && c.reason === 'GracePeriod') ? x : undefined;
  }, 'grace: the broken node held in its grace period', 7);
  expect(body.status.conditions.find((c) => c.type === 'NodesHealthy')).toMatchObject({ status: 'False', reason: 'GracePeriod', message: expect.stringMatching(/grace period/) });
  expect(body.status.nodes.find((n) => n.instanceId === b.status.nodes[0].instanceId)?.health).toBe('unhealthy');
  const acting = (await s.emu.control<{ value: { method: string; path: string }[] }>('GET', '/requests')).body.value.filter((x) => /\/reimage$|\/delete$/i.test(x.path));
  expect(acting).toEqual([]);
}, 120_000);
