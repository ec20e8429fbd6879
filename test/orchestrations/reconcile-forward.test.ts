import { reconcileForward, type ReconcileInput } from '../../orchestrations/reconcile-forward';
import { perKey, runOrchestration, timeline, type Answer, type RunResult } from './helpers/fake-context';

/**
 * The forward's reconcile loop (orchestrations/reconcile-forward.ts) driven through the real
 * durable-functions library with a fake durable context: each situation is the activity
 * answers, and the proof is the sequence of activity calls and durable timers the loop makes.
 */
const input: ReconcileInput = { name: 'f1', pollMs: 1000, driftSeconds: 600 };
const DRIFT = 'wait 600000';

const snapshot = (over: Partial<{ exists: boolean; generation: number; observedGeneration: number; deleting: boolean }> = {}) => ({ exists: true, generation: 2, observedGeneration: 1, deleting: false, ...over });
const unchanged = { outcome: 'ok', id: 'id', changed: false, inProgress: false };
const writing = (operation = 'https://management.azure.com/op/1') => ({ outcome: 'ok', id: 'id', changed: true, inProgress: true, operation });
const state = (s: string, error?: { code: string; message: string; retryable: boolean }) => ({ outcome: 'ok', state: s, ...(error ? { error } : {}) });
const node = (instanceId: string, over: Partial<{ health: string; latestModelApplied: boolean }> = {}) => ({ instanceId, health: 'healthy', latestModelApplied: true, ...over });
const kind = (i: { kind: string }) => i.kind;

/** A converged forward: every answer says nothing to do. A row overrides what its situation changes. */
function world(over: Record<string, Answer> = {}): Record<string, Answer> {
  return {
    loadForward: snapshot(),
    writeForwardStatus: null,
    scaleSetLease: (i: { op: string }) => (i.op === 'acquire' ? { acquired: true } : {}),
    ensureResource: unchanged,
    resourceState: state('Succeeded'),
    listForwardNodes: { outcome: 'ok', nodes: [node('0'), node('1')] },
    upgradeForwardNode: { outcome: 'ok' },
    finishReconcile: { outcome: 'ok', snapshot: snapshot({ observedGeneration: 2 }) },
    removeForwardRecords: { outcome: 'ok' },
    removeServiceConnections: { outcome: 'ok', remaining: 0 },
    removeResource: { outcome: 'ok', result: 'deleting' },
    removeForward: { removed: true },
    ...over,
  };
}

/** Activity calls and timers, one line each, with the detail that tells the steps apart. */
function steps(r: RunResult): string[] {
  return timeline(r, (name, i) => {
    if (name === 'writeForwardStatus') return `${i.phase} ${i.condition.reason}`;
    if (name === 'scaleSetLease') return i.op === 'release' ? `release${i.touched ? ' touched' : ''}` : i.op;
    if (name === 'ensureResource' || name === 'resourceState' || name === 'removeResource') return i.kind;
    if (name === 'upgradeForwardNode') return `${i.instanceId} ${i.action ?? 'upgrade'}`;
    return undefined;
  });
}

const ENSURE_ALL = ['ensureResource(loadBalancer)', 'ensureResource(scaleSet)', 'ensureResource(privateLinkService)'];
const CONVERGED_TAIL = ['listForwardNodes', 'scaleSetLease(release)', 'finishReconcile', 'event specChanged', DRIFT, 'continueAsNew'];

describe('reconcile-forward: provisioning and drift repair', () => {
  it.each<[string, Record<string, Answer>, string[]]>([
    ['a new generation with nothing to change: status Updating, ensure in order under the lease, finish, wait for a change or the drift check', {}, ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', ...ENSURE_ALL, ...CONVERGED_TAIL]],
    ['a first generation: status Provisioning', { loadForward: snapshot({ generation: 1, observedGeneration: 0 }), finishReconcile: { outcome: 'ok', snapshot: snapshot({ generation: 1, observedGeneration: 1 }) } }, ['loadForward', 'writeForwardStatus(Provisioning Reconciling)', 'scaleSetLease(acquire)', ...ENSURE_ALL, ...CONVERGED_TAIL]],
    ['a drift check of a converged forward: no status write before the ensure', { loadForward: snapshot({ observedGeneration: 2 }) }, ['loadForward', 'scaleSetLease(acquire)', ...ENSURE_ALL, ...CONVERGED_TAIL]],
    [
      'a write (LRO): the resource is polled on a durable timer until Succeeded, then the next kind',
      { ensureResource: perKey(kind, { loadBalancer: [writing()] }, unchanged), resourceState: [state('InProgress'), state('InProgress'), state('Succeeded')] },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'ensureResource(loadBalancer)', 'resourceState(loadBalancer)', 'wait 1000', 'resourceState(loadBalancer)', 'wait 1000', 'resourceState(loadBalancer)', 'ensureResource(scaleSet)', 'ensureResource(privateLinkService)', ...CONVERGED_TAIL],
    ],
    [
      'a scale set write marks the release as touched (the health watch grace period starts)',
      { ensureResource: perKey(kind, { scaleSet: [writing()] }, unchanged) },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'ensureResource(loadBalancer)', 'ensureResource(scaleSet)', 'resourceState(scaleSet)', 'ensureResource(privateLinkService)', 'listForwardNodes', 'scaleSetLease(release touched)', 'finishReconcile', 'event specChanged', DRIFT, 'continueAsNew'],
    ],
    [
      'an ensure answered transient (Retry-After 20 s): retried after 20 s, then the pass goes on',
      { ensureResource: perKey(kind, { loadBalancer: [{ outcome: 'retry', code: 'TooManyRequests', message: 'throttled', retryAfterMs: 20_000 }, unchanged] }, unchanged) },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'ensureResource(loadBalancer)', 'wait 20000', ...ENSURE_ALL, ...CONVERGED_TAIL],
    ],
    [
      "a write whose operation failed with a transient code: written again after a backoff",
      { ensureResource: perKey(kind, { loadBalancer: [writing(), writing()] }, unchanged), resourceState: [state('Failed', { code: 'InternalServerError', message: 'try later', retryable: true }), state('Succeeded')] },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'ensureResource(loadBalancer)', 'resourceState(loadBalancer)', 'wait 1000', 'ensureResource(loadBalancer)', 'resourceState(loadBalancer)', 'ensureResource(scaleSet)', 'ensureResource(privateLinkService)', ...CONVERGED_TAIL],
    ],
    [
      'a resource being deleted (not by us): wait until it is gone, then ensure again (creates it)',
      { ensureResource: perKey(kind, { scaleSet: [{ ...unchanged, awaitingDeletion: true }, writing()] }, unchanged), resourceState: [state('InProgress'), state('Absent'), state('Succeeded')] },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'ensureResource(loadBalancer)', 'ensureResource(scaleSet)', 'resourceState(scaleSet)', 'wait 1000', 'resourceState(scaleSet)', 'ensureResource(scaleSet)', 'resourceState(scaleSet)', 'ensureResource(privateLinkService)', 'listForwardNodes', 'scaleSetLease(release touched)', 'finishReconcile', 'event specChanged', DRIFT, 'continueAsNew'],
    ],
    [
      'the spec changed during the pass (finish reads a newer generation): continue at once, no drift wait',
      { finishReconcile: { outcome: 'ok', snapshot: snapshot({ generation: 3, observedGeneration: 2 }) } },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', ...ENSURE_ALL, 'listForwardNodes', 'scaleSetLease(release)', 'finishReconcile', 'continueAsNew'],
    ],
  ])('%s', async (_situation, over, expected) => {
    const r = await runOrchestration(reconcileForward, { input, instanceId: 'forward:f1', answers: world(over) });
    expect(steps(r)).toEqual(expected);
    expect(r).toMatchObject({ status: 'continuedAsNew', continuedWith: input });
  });

  it('a spec change during the drift wait: the next pass starts then, not at the drift check', async () => {
    const r = await runOrchestration(reconcileForward, { input, answers: world(), events: [{ afterMs: 42_000, name: 'specChanged', data: { at: 'x' } }] });
    expect(steps(r).slice(-3)).toEqual(['event specChanged', `${DRIFT} (cancelled)`, 'continueAsNew']);
    expect(r).toMatchObject({ status: 'continuedAsNew', elapsedMs: 42_000 });
  });

  it('the forward is gone: ends absent, nothing written', async () => {
    const r = await runOrchestration(reconcileForward, { input, answers: world({ loadForward: snapshot({ exists: false }) }) });
    expect(r).toMatchObject({ status: 'completed', output: { result: 'absent' }, calls: [['loadForward', 'f1']] });
  });
});

describe('reconcile-forward: failures show Failed with the ARM code, and the loop waits', () => {
  const failedTail = (code: string, touched = false) => [`scaleSetLease(release${touched ? ' touched' : ''})`, `writeForwardStatus(Failed ${code})`, 'event specChanged', DRIFT, 'continueAsNew'];

  it.each<[string, Record<string, Answer>, string[], { code: string; message: string | RegExp }]>([
    [
      'an ensure answered terminal: the later kinds are not ensured, the roll does not run',
      { ensureResource: perKey(kind, { scaleSet: [{ outcome: 'terminal', code: 'SkuNotAvailable', message: 'Standard_B1s is not available in westeurope' }] }, unchanged) },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'ensureResource(loadBalancer)', 'ensureResource(scaleSet)', ...failedTail('SkuNotAvailable')],
      { code: 'SkuNotAvailable', message: 'Standard_B1s is not available in westeurope' },
    ],
    [
      'an ensure transient every time: terminal after the step runner attempts, naming them',
      { ensureResource: perKey(kind, { loadBalancer: [{ outcome: 'retry', code: 'InternalServerError', message: 'oops' }] }, unchanged) },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', ...['ensureResource(loadBalancer)', 'wait 1000', 'ensureResource(loadBalancer)', 'wait 2000', 'ensureResource(loadBalancer)', 'wait 4000', 'ensureResource(loadBalancer)', 'wait 8000', 'ensureResource(loadBalancer)', 'wait 16000', 'ensureResource(loadBalancer)', 'wait 32000', 'ensureResource(loadBalancer)', 'wait 64000', 'ensureResource(loadBalancer)'], ...failedTail('InternalServerError')],
      { code: 'InternalServerError', message: 'still failing after 8 attempts: oops' },
    ],
    [
      "the write's operation failed (not transient): ARM's code and message from the operation",
      { ensureResource: perKey(kind, { privateLinkService: [writing()] }, unchanged), resourceState: state('Failed', { code: 'PrivateLinkServiceIpConfigurationCannotBeInSameSubnet', message: 'the NAT subnet...', retryable: false }) },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', ...ENSURE_ALL, 'resourceState(privateLinkService)', ...failedTail('PrivateLinkServiceIpConfigurationCannotBeInSameSubnet')],
      { code: 'PrivateLinkServiceIpConfigurationCannotBeInSameSubnet', message: 'the NAT subnet...' },
    ],
    [
      'a transient operation failure on every write: after 4 writes the failure is shown',
      { ensureResource: perKey(kind, { loadBalancer: [writing()] }, unchanged), resourceState: state('Failed', { code: 'InternalServerError', message: 'x', retryable: true }) },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'ensureResource(loadBalancer)', 'resourceState(loadBalancer)', 'wait 1000', 'ensureResource(loadBalancer)', 'resourceState(loadBalancer)', 'wait 2000', 'ensureResource(loadBalancer)', 'resourceState(loadBalancer)', 'wait 4000', 'ensureResource(loadBalancer)', 'resourceState(loadBalancer)', ...failedTail('InternalServerError')],
      { code: 'InternalServerError', message: 'x' },
    ],
    [
      'a resource Failed by an operation not ours: ResourceFailed (ARM names the reason only on the operation)',
      { ensureResource: perKey(kind, { loadBalancer: [{ ...unchanged, changed: false, inProgress: true }] }, unchanged), resourceState: state('Failed') },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'ensureResource(loadBalancer)', 'resourceState(loadBalancer)', ...failedTail('ResourceFailed')],
      { code: 'ResourceFailed', message: /provisioningState is Failed/ },
    ],
    [
      'a node list that fails terminal during the roll: the lease is released, the failure shown',
      { listForwardNodes: { outcome: 'terminal', code: 'ResourceGroupNotFound', message: 'rg' } },
      ['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', ...ENSURE_ALL, 'listForwardNodes', ...failedTail('ResourceGroupNotFound')],
      { code: 'ResourceGroupNotFound', message: 'rg' },
    ],
  ])('%s', async (_situation, over, expected, error) => {
    const r = await runOrchestration(reconcileForward, { input, answers: world(over) });
    expect(steps(r)).toEqual(expected);
    const write = r.calls.filter(([n]) => n === 'writeForwardStatus').pop()![1];
    expect(write).toEqual({ name: 'f1', phase: 'Failed', condition: { type: 'Ready', status: 'False', reason: error.code, message: expect.stringMatching(error.message), observedGeneration: 2 }, error: { code: error.code, message: expect.stringMatching(error.message) }, now: expect.any(String) });
    expect(r.status).toBe('continuedAsNew');
  });
});

describe('reconcile-forward: the scale set lease', () => {
  it('a recycle holds it: the pass polls on a durable timer, then ensures once it has it', async () => {
    const lease = perKey((i: { op: string }) => i.op, { acquire: [{ acquired: false, holder: 'recycle' }, { acquired: false, holder: 'recycle' }, { acquired: true }], release: [{}] });
    const r = await runOrchestration(reconcileForward, { input, answers: world({ scaleSetLease: lease }) });
    expect(steps(r).slice(0, 9)).toEqual(['loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', 'wait 1000', 'scaleSetLease(acquire)', 'wait 1000', 'scaleSetLease(acquire)', ...ENSURE_ALL.slice(0, 2)]);
  });

  it('a recycle holds it through every poll (240): the pass starts over without touching anything', async () => {
    const r = await runOrchestration(reconcileForward, { input, answers: world({ scaleSetLease: (i: { op: string }) => (i.op === 'acquire' ? { acquired: false, holder: 'recycle' } : {}) }) });
    expect(r.calls.filter(([n]) => n === 'scaleSetLease')).toHaveLength(240);
    expect(r.calls.map(([n]) => n)).not.toContain('ensureResource');
    expect(r).toMatchObject({ status: 'continuedAsNew', elapsedMs: 240 * 1000 });
  });
});

describe('reconcile-forward: rolling nodes to the latest model', () => {
  it('one node behind: upgrade, wait until applied, reimage, wait until healthy, clear its mark; the release is touched', async () => {
    const nodes = [
      { outcome: 'ok', nodes: [node('0'), node('1', { latestModelApplied: false })] },
      { outcome: 'ok', nodes: [node('0'), node('1', { health: 'updating' })] },
      { outcome: 'ok', nodes: [node('0'), node('1')] },
      { outcome: 'ok', nodes: [node('0'), node('1', { health: 'unknown' })] },
      { outcome: 'ok', nodes: [node('0'), node('1')] },
    ];
    const r = await runOrchestration(reconcileForward, { input, answers: world({ listForwardNodes: nodes }) });
    expect(steps(r)).toEqual([
      'loadForward', 'writeForwardStatus(Updating Reconciling)', 'scaleSetLease(acquire)', ...ENSURE_ALL,
      'listForwardNodes', 'upgradeForwardNode(1 upgrade)',
      'wait 1000', 'listForwardNodes', 'wait 1000', 'listForwardNodes',
      'upgradeForwardNode(1 reimage)',
      'wait 1000', 'listForwardNodes', 'wait 1000', 'listForwardNodes',
      'upgradeForwardNode(1 done)',
      'scaleSetLease(release touched)', 'finishReconcile', 'event specChanged', DRIFT, 'continueAsNew',
    ]);
    expect(r.calls.filter(([n]) => n === 'finishReconcile')[0][1]).toMatchObject({ name: 'f1', generation: 2, nodes: [node('0'), node('1')] });
  });

  it('a node upgraded by an earlier pass but not reimaged (reimagePending): reimaged now; a mark of a replaced node is cleared', async () => {
    const nodes = { outcome: 'ok', nodes: [node('0'), node('1')], reimagePending: ['1', '7'] };
    const r = await runOrchestration(reconcileForward, { input, answers: world({ listForwardNodes: nodes }) });
    expect(steps(r).slice(6, 11)).toEqual(['listForwardNodes', 'upgradeForwardNode(1 reimage)', 'wait 1000', 'listForwardNodes', 'upgradeForwardNode(1 done)']);
    expect(steps(r)[11]).toBe('upgradeForwardNode(7 done)');
  });
});

describe('reconcile-forward: teardown', () => {
  const deleting = { loadForward: snapshot({ deleting: true }) };
  const gone = (k: string) => [`removeResource(${k})`, `resourceState(${k})`];

  it('deleting: DNS records first, then the PLS connections, then the resources in reverse order, each polled until gone; the entry removed', async () => {
    const r = await runOrchestration(reconcileForward, { input, answers: world({ ...deleting, resourceState: perKey(kind, { privateLinkService: [state('Succeeded'), state('Absent')] }, state('Absent')) }) });
    expect(steps(r)).toEqual([
      'loadForward', 'writeForwardStatus(Deleting Deleting)', 'removeForwardRecords',
      'removeServiceConnections', ...gone('privateLinkService'), 'wait 1000', 'resourceState(privateLinkService)',
      ...gone('scaleSet'), ...gone('loadBalancer'),
      'removeForward',
    ]);
    expect(r).toMatchObject({ status: 'completed', output: { result: 'deleted' } });
  });

  it('connections left on the PLS: deleted and polled until none is left, then the PLS', async () => {
    const r = await runOrchestration(reconcileForward, { input, answers: world({ ...deleting, resourceState: state('Absent'), removeServiceConnections: [{ outcome: 'ok', remaining: 2 }, { outcome: 'ok', remaining: 0 }] }) });
    expect(steps(r).slice(3, 7)).toEqual(['removeServiceConnections', 'wait 1000', 'removeServiceConnections', 'removeResource(privateLinkService)']);
  });

  it('a consumer connects between the drain and the PLS delete (ARM refuses it): drain again, delete again', async () => {
    const blocked = { outcome: 'terminal', code: 'PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted', message: 'has connections' };
    const r = await runOrchestration(reconcileForward, { input, answers: world({ ...deleting, resourceState: state('Absent'), removeResource: perKey(kind, { privateLinkService: [blocked, { outcome: 'ok', result: 'deleting' }] }, { outcome: 'ok', result: 'gone' }) }) });
    expect(steps(r).slice(3)).toEqual(['removeServiceConnections', 'removeResource(privateLinkService)', 'removeServiceConnections', ...gone('privateLinkService'), 'removeResource(scaleSet)', 'removeResource(loadBalancer)', 'removeForward']);
    expect(r.output).toEqual({ result: 'deleted' });
  });

  it('a delete that fails terminal: Failed DeleteFailed with the ARM code, then only a spec change moves it', async () => {
    const r = await runOrchestration(reconcileForward, { input, answers: world({ ...deleting, removeResource: perKey(kind, { scaleSet: [{ outcome: 'terminal', code: 'ScopeLocked', message: 'a delete lock' }] }, { outcome: 'ok', result: 'gone' }) }) });
    expect(steps(r).slice(-3)).toEqual(['removeResource(scaleSet)', 'writeForwardStatus(Failed DeleteFailed)', 'event specChanged']);
    expect(r.calls.at(-1)![1]).toMatchObject({ phase: 'Failed', condition: { reason: 'DeleteFailed', message: 'a delete lock' }, error: { code: 'ScopeLocked', message: 'a delete lock' } });
    expect(r.status).toBe('waiting');
    const resumed = await runOrchestration(reconcileForward, { input, answers: world({ ...deleting, removeResource: { outcome: 'terminal', code: 'ScopeLocked', message: 'a delete lock' } }), events: [{ afterMs: 3_600_000, name: 'specChanged' }] });
    expect(resumed).toMatchObject({ status: 'continuedAsNew', elapsedMs: 3_600_000 });
  });

  it('a PUT arrived during the teardown (the entry was not removed): continue as new, provisioning the new generation', async () => {
    const r = await runOrchestration(reconcileForward, { input, answers: world({ ...deleting, resourceState: state('Absent'), removeForward: { removed: false } }) });
    expect(r).toMatchObject({ status: 'continuedAsNew', continuedWith: input });
  });
});
