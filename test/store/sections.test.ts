import { parseForwardSpec } from '../../core/forward-spec';
import { emptyStatus, type ConnectionRecord, type ConnectionsSection } from '../../core/status';
import { startAzurite, type RunningAzurite } from '../../tools/devhost/durable/azurite';
import { ActionLog } from '../../store/action-log';
import { ConnectionStore } from '../../store/connection-store';
import { ForwardRegistry } from '../../store/forward-registry';

/**
 * The store against Azurite: each flow's part of a forward's status is its own column, so no
 * write overwrites another flow's part; connection rows map endpoints and NICs to their forward;
 * the action log pages newest first.
 */
let azurite: RunningAzurite;
let env: Record<string, string>;
const spec = (() => {
  const r = parseForwardSpec({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] });
  if (!r.ok) throw new Error('bad spec');
  return r.spec;
})();
const section = (approved: number): ConnectionsSection => ({ conditions: [{ type: 'ConnectionsReconciled', status: 'True', reason: 'Reconciled', message: `${approved} approved`, lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }], observedGeneration: 1, counts: { approved, pending: 0, rejected: 0, disconnected: 0 } });
const row = (name: string, over: Partial<ConnectionRecord> = {}): ConnectionRecord => ({ name, privateEndpointId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/${name}`, subscriptionId: 's', state: 'Approved', decision: 'keep', reason: 'r', firstSeen: '2026-01-01T00:00:00Z', nicId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/${name}.nic`, ...over });

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  env = { AzureWebJobsStorage: azurite.connectionString };
}, 60_000);
afterAll(() => azurite?.stop());

describe('status sections', () => {
  it.each([
    ['the reconcile loop writes its status after the connections flow wrote its section', async (r: ForwardRegistry) => {
      await r.setConnectionsStatus('f1', section(3));
      await r.setStatus('f1', { ...emptyStatus(), phase: 'Ready', observedGeneration: 1 });
    }],
    ['the connections flow writes after the reconcile loop', async (r: ForwardRegistry) => {
      await r.setStatus('f1', { ...emptyStatus(), phase: 'Ready', observedGeneration: 1 });
      await r.setConnectionsStatus('f1', section(3));
    }],
    ['a new spec is PUT after both wrote', async (r: ForwardRegistry) => {
      await r.setStatus('f1', { ...emptyStatus(), phase: 'Ready', observedGeneration: 1 });
      await r.setConnectionsStatus('f1', section(3));
      await r.putSpec('f1', { ...spec, targets: ['192.168.42.66'] });
    }],
  ])('%s: both parts survive', async (_situation, writes) => {
    const r = ForwardRegistry.fromEnv(env);
    await r.remove('f1');
    await r.putSpec('f1', spec);
    await writes(r);
    const got = (await r.get('f1'))!;
    expect(got.status.phase).toBe('Ready');
    expect(got.connections?.counts.approved).toBe(3);
  });
});

describe('connection rows', () => {
  it('replace writes only what changed, deletes what is gone, and maps endpoint and NIC ids to the forward', async () => {
    const store = ConnectionStore.fromEnv(env);
    await store.replace('fa', [], [row('pe-1'), row('pe-2')]);
    const before = await store.list('fa');
    expect(before.map((x) => x.name)).toEqual(['pe-1', 'pe-2']);
    await store.replace('fa', before, [row('pe-2', { state: 'Rejected' })]);
    expect(await store.list('fa')).toEqual([row('pe-2', { state: 'Rejected' })]);
    expect(await store.forwardOf(row('pe-2').privateEndpointId.toUpperCase())).toBe('fa');
    expect(await store.forwardOf(row('pe-2').nicId!)).toBe('fa');
    expect(await store.forwardOf(row('pe-1').privateEndpointId)).toBeUndefined();
    expect(await store.forwardOf(row('pe-1').nicId!)).toBeUndefined();
  });

  it.each([
    ['an endpoint that moved to another forward keeps pointing at the one that wrote it last', async (store: ConnectionStore) => {
      await store.replace('fb', [], [row('pe-9')]);
      await store.replace('fc', [], [row('pe-9')]);
      return { id: row('pe-9').privateEndpointId, forward: 'fc' };
    }],
    ['a forward that lets go of an endpoint another forward took leaves the other\'s index row', async (store: ConnectionStore) => {
      await store.replace('fg', [], [row('pe-5')]);
      await store.replace('fh', [], [row('pe-5')]);
      await store.replace('fg', await store.list('fg'), []);
      return { id: row('pe-5').privateEndpointId, forward: 'fh' };
    }],
    ['a NIC learned on a later pass is indexed then', async (store: ConnectionStore) => {
      const first = row('pe-8', { nicId: undefined });
      await store.replace('fd', [], [first]);
      await store.replace('fd', [first], [row('pe-8')]);
      return { id: row('pe-8').nicId!, forward: 'fd' };
    }],
    ['a forward removed whole leaves no index rows', async (store: ConnectionStore) => {
      await store.replace('fe', [], [row('pe-7')]);
      await store.removeAll('fe');
      return { id: row('pe-7').privateEndpointId, forward: undefined };
    }],
    ['an unchanged pass writes nothing and the index still answers', async (store: ConnectionStore) => {
      await store.replace('ff', [], [row('pe-6')]);
      const rows = await store.list('ff');
      await store.replace('ff', rows, rows);
      return { id: row('pe-6').nicId!, forward: 'ff' };
    }],
  ])('index: %s', async (_situation, act) => {
    const store = ConnectionStore.fromEnv(env);
    const { id, forward } = await act(store);
    expect(await store.forwardOf(id)).toBe(forward);
    if (!forward) expect(await store.list('fe')).toEqual([]);
  });
});

describe('action log', () => {
  it('pages newest first with a continuation, keeps the order of actions of one time, and is removed whole', async () => {
    const log = ActionLog.fromEnv(env);
    for (let i = 0; i < 5; i++) await log.append('fl', [{ time: '2026-01-01T00:00:00.000Z', actor: 'sweep', action: 'approve', target: `c${i}`, reason: 'r' }]);
    await log.append('fl', [{ time: '2026-01-01T00:00:01.000Z', actor: 'event', action: 'dns-write', target: 'x', reason: 'r' }]);
    const first = await log.page('fl', 4);
    expect(first.value.map((a) => a.target)).toEqual(['x', 'c4', 'c3', 'c2']);
    expect(first.continuation).toBeDefined();
    const second = await log.page('fl', 4, first.continuation);
    expect(second.value.map((a) => a.target)).toEqual(['c1', 'c0']);
    expect(second.continuation).toBeUndefined();
    await log.removeAll('fl');
    expect((await log.page('fl', 10)).value).toEqual([]);
  });
});
