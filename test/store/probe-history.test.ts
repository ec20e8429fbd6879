import { parseForwardSpec } from '../../core/forward-spec';
import type { ProbeRunResult, ProbesSection } from '../../core/probes';
import { assembleStatus, emptyStatus, withProbes, type ConnectionsSection } from '../../core/status';
import { startAzurite, type RunningAzurite } from '../../tools/devhost/durable/azurite';
import { ForwardRegistry } from '../../store/forward-registry';
import { ProbeHistory, ProbeStateStore } from '../../store/probe-history';

/**
 * The probes' store against Azurite: the `probes` status section is its own column (no other
 * flow's write loses it, and it loses none); the run history pages newest first, filters by
 * subnet, hides runs in progress, and is bounded by count and age per forward.
 */
let azurite: RunningAzurite;
let env: Record<string, string>;
const spec = (() => {
  const r = parseForwardSpec({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] });
  if (!r.ok) throw new Error('bad spec');
  return r.spec;
})();
const VNET = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke';
const JUMP = `${VNET}/subnets/jump`;
const OTHER = `${VNET}/subnets/other`;
const connections: ConnectionsSection = { conditions: [{ type: 'ConnectionsReconciled', status: 'True', reason: 'Reconciled', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }], observedGeneration: 1, counts: { approved: 1, pending: 0, rejected: 0, disconnected: 0 } };
const probes: ProbesSection = { conditions: [{ type: 'Reachable', status: 'False', reason: 'ConnectFailed', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }], probes: [{ subnetId: JUMP, runId: 'r', at: '2026-01-01T00:00:00Z', outcome: 'failed', ports: [{ port: 8000, ok: false, stage: 'connect', connect: 'timeout' }] }] };
const run = (i: number, subnetId = JUMP, over: Partial<ProbeRunResult> = {}): ProbeRunResult => ({
  runId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
  forward: 'pf',
  subnetId,
  probeKey: 'k',
  actor: 'schedule',
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  finishedAt: new Date(Date.UTC(2026, 0, 1, 0, i, 5)).toISOString(),
  outcome: 'ok',
  ports: [{ port: 8000, ok: true, latencyMs: 3, detail: 'open' }],
  ...over,
});

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  env = { AzureWebJobsStorage: azurite.connectionString };
}, 60_000);
afterAll(() => azurite?.stop());

describe('the probes section', () => {
  it.each([
    ['the reconcile loop writes its (assembled) status after the probes wrote theirs', async (r: ForwardRegistry) => {
      await r.setProbesStatus('p1', probes);
      const got = (await r.get('p1'))!;
      await r.setStatus('p1', { ...withProbes(assembleStatus(got.status, got.connections, []), got.probes), phase: 'Ready', observedGeneration: 1 });
    }],
    ['the connections flow writes after the probes', async (r: ForwardRegistry) => {
      await r.setProbesStatus('p1', probes);
      await r.setConnectionsStatus('p1', connections);
      await r.setStatus('p1', { ...emptyStatus(), phase: 'Ready', observedGeneration: 1 });
    }],
    ['a new spec is PUT after all three wrote', async (r: ForwardRegistry) => {
      await r.setStatus('p1', { ...emptyStatus(), phase: 'Ready', observedGeneration: 1 });
      await r.setConnectionsStatus('p1', connections);
      await r.setProbesStatus('p1', probes);
      await r.putSpec('p1', { ...spec, targets: ['192.168.42.66'] });
    }],
  ])('%s: every part survives, and GET shows Reachable and the probes', async (_s, writes) => {
    const r = ForwardRegistry.fromEnv(env);
    await r.remove('p1');
    await r.putSpec('p1', spec);
    await writes(r);
    const got = (await r.get('p1'))!;
    expect(got.probes).toEqual(probes);
    expect(got.status).not.toHaveProperty('probes');
    const shown = withProbes(assembleStatus(got.status, got.connections, []), got.probes);
    expect(shown.conditions.find((c) => c.type === 'Reachable')).toMatchObject({ status: 'False', reason: 'ConnectFailed' });
    expect(shown.probes).toEqual(probes.probes);
  });
});

describe('concurrent writers of the probes section', () => {
  it('a writer that computed from an older read is refused by the etag and computes again: no result is lost', async () => {
    const r = ForwardRegistry.fromEnv(env);
    await r.remove('p2');
    await r.putSpec('p2', spec);
    const rows: string[] = [];
    let computes = 0;
    const writer = (pauseMs: number) =>
      r.updateProbesStatus('p2', async () => {
        computes++;
        const seen = [...rows];
        await new Promise((res) => setTimeout(res, pauseMs));
        return { conditions: [], probes: seen.map((id) => ({ subnetId: id, runId: id, at: '2026-01-01T00:00:00Z', outcome: 'ok' as const, ports: [] })) };
      });
    rows.push('a');
    const slow = writer(300);
    await new Promise((res) => setTimeout(res, 100));
    rows.push('b');
    await writer(0);
    await slow;
    expect((await r.get('p2'))!.probes!.probes.map((p) => p.subnetId)).toEqual(['a', 'b']);
    expect(computes).toBe(3);
  });
});

describe('probe history', () => {
  it('a run in progress is hidden from the history and readable by id; finished, it replaces its row', async () => {
    const h = ProbeHistory.fromEnv(env);
    const r = run(1);
    await h.put({ ...r, outcome: 'running', ports: [], finishedAt: undefined });
    expect((await h.get('pf', r.runId))?.outcome).toBe('running');
    expect((await h.page('pf', 10)).value).toEqual([]);
    await h.put(r);
    expect((await h.page('pf', 10)).value).toEqual([r]);
    await h.removeAll('pf');
  });

  it('pages newest first with a continuation, filters by subnet (any case), and is bounded by count and age', async () => {
    const h = ProbeHistory.fromEnv(env);
    for (let i = 1; i <= 7; i++) await h.put(run(i, i % 2 ? JUMP : OTHER));
    const first = await h.page('pf', 3);
    expect(first.value.map((x) => x.runId.slice(-1))).toEqual(['7', '6', '5']);
    const second = await h.page('pf', 3, { continuation: first.continuation! });
    expect(second.value.map((x) => x.runId.slice(-1))).toEqual(['4', '3', '2']);
    const last = await h.page('pf', 3, { continuation: second.continuation! });
    expect(last.value.map((x) => x.runId.slice(-1))).toEqual(['1']);
    expect(last.continuation).toBeUndefined();
    const other = await h.page('pf', 10, { subnetId: OTHER.toUpperCase() });
    expect(other.value.map((x) => x.runId.slice(-1))).toEqual(['6', '4', '2']);
    // Keep the newest 5, and nothing older than minute 3 of the day.
    expect(await h.prune('pf', 5, 60 * 60_000, Date.UTC(2026, 0, 1, 0, 3) + 60 * 60_000 + 1)).toBe(3);
    expect((await h.page('pf', 10)).value.map((x) => x.runId.slice(-1))).toEqual(['7', '6', '5', '4']);
    await h.removeAll('pf');
    expect((await h.page('pf', 10)).value).toEqual([]);
  });

  it('probe states: one row per probe, replaced whole', async () => {
    const st = ProbeStateStore.fromEnv(env);
    await st.put('pf', { subnetId: JUMP, probeKey: 'a', addedAt: '2026-01-01T00:00:00Z', consecutiveFailures: 0 });
    await st.put('pf', { subnetId: JUMP, probeKey: 'a', addedAt: '2026-01-01T00:00:00Z', consecutiveFailures: 2, running: { runId: 'r', startedAt: '2026-01-01T00:15:00Z' } });
    await st.put('pf', { subnetId: OTHER, probeKey: 'b', addedAt: '2026-01-01T00:00:00Z', consecutiveFailures: 0 });
    expect((await st.get('pf', 'a'))?.consecutiveFailures).toBe(2);
    expect((await st.list('pf')).map((s) => s.probeKey).sort()).toEqual(['a', 'b']);
    await st.removeAll('pf');
    expect(await st.list('pf')).toEqual([]);
  });
});
