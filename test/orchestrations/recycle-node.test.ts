import { recycleNode, type RecycleInput } from '../../orchestrations/recycle-node';
import { perKey, runOrchestration, timeline, type Answer, type RunResult } from './helpers/fake-context';

/**
 * The recycle of one broken node (orchestrations/recycle-node.ts) through the real library: the
 * escalation reimage -> verify -> still broken -> replace -> restore capacity -> verify, under
 * the scale set lease, and what happens when the reconcile holds the lease.
 */
const input: RecycleInput = { name: 'f1', instanceId: '3', reason: 'probe failed in 2 consecutive samples', pollMs: 1000, verifyPolls: 3 };

const view = (instanceId: string, health = 'healthy', provisioningState = 'Succeeded') => ({ instanceId, health, provisioningState });
const seen = (nodes: ReturnType<typeof view>[], id = '3') => {
  const node = nodes.find((n) => n.instanceId === id);
  return { outcome: 'ok', nodes, gone: !node, ...(node ? { node } : {}) };
};
const free = (i: { op: string }) => (i.op === 'acquire' ? { acquired: true } : {});

function world(over: Record<string, Answer> = {}): Record<string, Answer> {
  return { scaleSetLease: free, recycleAction: { outcome: 'ok' }, recycleObserve: seen([view('1'), view('3')]), ...over };
}

/** Lease steps, actions with their node, observations; timers. */
function steps(r: RunResult): string[] {
  return timeline(r, (name, i) => (name === 'scaleSetLease' ? i.op : name === 'recycleAction' ? `${i.action} ${i.instanceId}` : undefined));
}
const reasons = (r: RunResult) => r.calls.filter(([n]) => n === 'recycleAction').map(([, i]) => `${(i as { action: string }).action}: ${(i as { reason: string }).reason}`);

describe('recycle-node: the escalation', () => {
  it('healthy after the reimage: reimage, verify, done, release', async () => {
    const r = await runOrchestration(recycleNode, { input, instanceId: 'recycle:f1', answers: world({ recycleObserve: [seen([view('1'), view('3', 'unknown', 'Updating')]), seen([view('1'), view('3')])] }) });
    expect(steps(r)).toEqual(['scaleSetLease(acquire)', 'recycleAction(reimage 3)', 'wait 1000', 'recycleObserve', 'wait 1000', 'recycleObserve', 'recycleAction(verified 3)', 'recycleAction(done 3)', 'scaleSetLease(release)']);
    expect(reasons(r)).toEqual(['reimage: probe failed in 2 consecutive samples', 'verified: healthy after the reimage', 'done: reimaged']);
    expect(r).toMatchObject({ status: 'completed', output: { result: 'reimaged' } });
    expect(r.calls[0][1]).toEqual({ name: 'f1', holder: 'recycle', op: 'acquire', now: '2026-01-01T00:00:00.000Z', ttlSeconds: 1800 });
  });

  it('still broken after the reimage: replace (delete, wait until gone), restore capacity, verify every node; the newest is named', async () => {
    const observe = [
      // verify after the reimage: unhealthy through every poll (3)
      seen([view('1'), view('3', 'unhealthy')]),
      seen([view('1'), view('3', 'unhealthy')]),
      seen([view('1'), view('3', 'unhealthy')]),
      // the delete: still there, then gone
      seen([view('1'), view('3', 'unhealthy', 'Deleting')]),
      seen([view('1')]),
      // after the restore: the new node boots, then every node is healthy
      seen([view('1'), view('4', 'unknown', 'Creating')]),
      seen([view('1'), view('4')]),
    ];
    const r = await runOrchestration(recycleNode, { input, answers: world({ recycleObserve: observe }) });
    expect(steps(r)).toEqual([
      'scaleSetLease(acquire)',
      'recycleAction(reimage 3)', 'wait 1000', 'recycleObserve', 'wait 1000', 'recycleObserve', 'wait 1000', 'recycleObserve', 'wait 1000',
      'recycleAction(still-broken 3)',
      'recycleAction(replace 3)', 'recycleObserve', 'wait 1000', 'recycleObserve',
      'recycleAction(restore 3)', 'wait 1000', 'recycleObserve', 'wait 1000', 'recycleObserve',
      'recycleAction(verified 4)', 'recycleAction(done 3)', 'scaleSetLease(release)',
    ]);
    expect(reasons(r)).toContain('replace: still broken after a reimage: probe failed in 2 consecutive samples');
    expect(reasons(r)).toContain('verified: replacement 4 healthy; 2 node(s)');
    expect(r.output).toEqual({ result: 'replaced' });
  });

  it('the replacement never becomes healthy: still-broken recorded against the node it replaced, replace-failed, the lease released', async () => {
    const observe = [seen([view('3', 'unhealthy')]), seen([view('3', 'unhealthy')]), seen([view('3', 'unhealthy')]), seen([]), seen([view('4', 'unhealthy')])];
    const r = await runOrchestration(recycleNode, { input, answers: world({ recycleObserve: observe }) });
    expect(steps(r).slice(-3)).toEqual(['recycleAction(still-broken 3)', 'recycleAction(done 3)', 'scaleSetLease(release)']);
    expect(reasons(r)).toContain('still-broken: the replacement did not become healthy');
    expect(r.output).toEqual({ result: 'replace-failed' });
  });

  it('the node disappears during the verify: treated as still broken, and the replace finds it gone', async () => {
    const observe = [seen([view('1')]), seen([view('1')]), seen([view('1'), view('5')])];
    const r = await runOrchestration(recycleNode, { input, answers: world({ recycleObserve: observe }) });
    expect(steps(r)).toEqual([
      'scaleSetLease(acquire)', 'recycleAction(reimage 3)', 'wait 1000', 'recycleObserve', 'recycleAction(still-broken 3)',
      'recycleAction(replace 3)', 'recycleObserve', 'recycleAction(restore 3)', 'wait 1000', 'recycleObserve',
      'recycleAction(verified 5)', 'recycleAction(done 3)', 'scaleSetLease(release)',
    ]);
  });

  it('the reimage cannot be started (terminal): failed, done, the lease released', async () => {
    const r = await runOrchestration(recycleNode, { input, answers: world({ recycleAction: perKey((i: { action: string }) => i.action, { reimage: [{ outcome: 'terminal', code: 'OperationNotAllowed', message: 'no' }] }, { outcome: 'ok' }) }) });
    expect(steps(r)).toEqual(['scaleSetLease(acquire)', 'recycleAction(reimage 3)', 'recycleAction(done 3)', 'scaleSetLease(release)']);
    expect(r.output).toEqual({ result: 'failed' });
  });

  it('a transient failure of an action: retried (at most 5 attempts) before it counts as failed', async () => {
    const r = await runOrchestration(recycleNode, { input, answers: world({ recycleAction: perKey((i: { action: string }) => i.action, { reimage: [{ outcome: 'retry', code: 'Conflict', message: 'busy' }, { outcome: 'ok' }] }, { outcome: 'ok' }) }) });
    expect(steps(r).slice(0, 4)).toEqual(['scaleSetLease(acquire)', 'recycleAction(reimage 3)', 'wait 1000', 'recycleAction(reimage 3)']);
    expect(r.output).toEqual({ result: 'reimaged' });
  });
});

describe('recycle-node: the scale set lease', () => {
  it('held by the reconcile: refused at once (recorded with the holder), nothing done to the node, nothing released', async () => {
    const r = await runOrchestration(recycleNode, { input, answers: world({ scaleSetLease: { acquired: false, holder: 'reconcile' } }) });
    expect(steps(r)).toEqual(['scaleSetLease(acquire)', 'recycleAction(refused 3)']);
    expect(reasons(r)).toEqual(['refused: the scale set is held by reconcile; the next sweep decides again']);
    expect(r).toMatchObject({ status: 'completed', output: { result: 'refused', holder: 'reconcile' } });
  });

  it('a wake-up while it runs (the sweep asks again): ignored, one recycle at a time', async () => {
    const r = await runOrchestration(recycleNode, { input, answers: world(), events: [{ afterMs: 500, name: 'recycleRequested', data: { instanceId: '1' } }] });
    expect(r.calls.filter(([n]) => n === 'recycleAction').map(([, i]) => (i as { instanceId: string }).instanceId)).toEqual(['3', '3', '3']);
    expect(r.output).toEqual({ result: 'reimaged' });
  });
});
