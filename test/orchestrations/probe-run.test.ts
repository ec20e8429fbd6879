import { probeRun } from '../../orchestrations/probe-run';
import { routeResourceEvent } from '../../orchestrations/route-resource-event';
import { runOrchestration, timeline, type Answer } from './helpers/fake-context';

/**
 * One probe run (orchestrations/probe-run.ts) through the real library: start, observe on a
 * durable timer until the containers end or the deadline, always delete the group, record the
 * result; and the Event Grid routing orchestration (route-resource-event.ts).
 */
const subnetId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/consumer/subnets/probe';
const input = { forward: 'f1', probe: { subnetId }, runId: 'run-1', actor: 'api', pollMs: 1000, deadlineSeconds: 5 };
const group = { resourceGroup: 'rg', name: 'plf-probe-1' };
const started = { outcome: 'ok', bootId: 'boot-1', startedAt: '2026-01-01T00:00:00.000Z', group, ports: [443, 8443], host: 'db.privatelink.example', operation: 'https://management.azure.com/op/ci' };
const running = { outcome: 'ok', state: 'running' };
const portOk = (port: number) => ({ port, ok: true, latencyMs: 3, detail: 'connected' });

function world(over: Record<string, Answer> = {}): Record<string, Answer> {
  return { probeStart: started, probeObserve: running, probeDeleteGroup: { outcome: 'ok' }, probeFinish: null, ...over };
}

/** The result handed to probeFinish. */
const finished = (r: Awaited<ReturnType<typeof runOrchestration>>) => (r.calls.find(([n]) => n === 'probeFinish')![1] as { result: Record<string, unknown> }).result;

describe('probe-run', () => {
  it.each<[string, Record<string, Answer>, { steps: string[]; result: Record<string, unknown> }]>([
    [
      'every port answers: ok, the group deleted, the result recorded',
      { probeObserve: [running, { outcome: 'ok', state: 'terminated', ports: [portOk(443), portOk(8443)] }] },
      { steps: ['probeStart', 'wait 1000', 'probeObserve', 'wait 1000', 'probeObserve', 'probeDeleteGroup', 'probeFinish'], result: { outcome: 'ok', host: 'db.privatelink.example', ports: [portOk(443), portOk(8443)] } },
    ],
    [
      'a port refused: failed (the verdict comes from the ports, not from provisioningState)',
      { probeObserve: { outcome: 'ok', state: 'terminated', ports: [portOk(443), { port: 8443, ok: false, stage: 'connect', connect: 'refused', detail: 'ECONNREFUSED' }] } },
      { steps: ['probeStart', 'wait 1000', 'probeObserve', 'probeDeleteGroup', 'probeFinish'], result: { outcome: 'failed' } },
    ],
    [
      'the image cannot be pulled (observe terminal): infrastructure with the ARM code, the group still deleted',
      { probeObserve: { outcome: 'terminal', code: 'ImagePullFailed', message: 'the container group failed to deploy: pull access denied' } },
      { steps: ['probeStart', 'wait 1000', 'probeObserve', 'probeDeleteGroup', 'probeFinish'], result: { outcome: 'infrastructure', code: 'ImagePullFailed', ports: [443, 8443].map((port) => ({ port, ok: false, stage: 'infrastructure', detail: 'the container group failed to deploy: pull access denied' })) } },
    ],
    [
      'the host restarted during the run: interrupted, the group deleted',
      { probeObserve: { outcome: 'ok', state: 'interrupted' } },
      { steps: ['probeStart', 'wait 1000', 'probeObserve', 'probeDeleteGroup', 'probeFinish'], result: { outcome: 'interrupted' } },
    ],
    [
      'the group disappeared: infrastructure ContainerGroupGone',
      { probeObserve: { outcome: 'ok', state: 'gone' } },
      { steps: ['probeStart', 'wait 1000', 'probeObserve', 'probeDeleteGroup', 'probeFinish'], result: { outcome: 'infrastructure', code: 'ContainerGroupGone' } },
    ],
    [
      'still running at the deadline (5 s): one last look, then deadline; the group deleted',
      {},
      { steps: ['probeStart', ...Array(5).fill(['wait 1000', 'probeObserve']).flat(), 'probeObserve', 'probeDeleteGroup', 'probeFinish'], result: { outcome: 'deadline', detail: 'the containers did not terminate within 5 s' } },
    ],
    [
      'finished just at the deadline: the last look keeps its result',
      { probeObserve: [running, running, running, running, running, { outcome: 'ok', state: 'terminated', ports: [portOk(443), portOk(8443)] }] },
      { steps: ['probeStart', ...Array(5).fill(['wait 1000', 'probeObserve']).flat(), 'probeObserve', 'probeDeleteGroup', 'probeFinish'], result: { outcome: 'ok' } },
    ],
    [
      'the start fails terminal (quota): infrastructure with the code, no group to delete',
      { probeStart: { outcome: 'terminal', code: 'ContainerGroupQuotaReached', message: 'quota' } },
      { steps: ['probeStart', 'probeFinish'], result: { outcome: 'infrastructure', code: 'ContainerGroupQuotaReached', detail: 'quota', ports: [], finishedAt: '2026-01-01T00:00:00.000Z' } },
    ],
    [
      'the run ends at the start (subnet not delegated) after a group was made: that group is deleted',
      { probeStart: { ...started, final: { runId: 'run-1', outcome: 'infrastructure', code: 'SubnetNotDelegated', ports: [] } } },
      { steps: ['probeStart', 'probeDeleteGroup', 'probeFinish'], result: { outcome: 'infrastructure', code: 'SubnetNotDelegated' } },
    ],
  ])('%s', async (_situation, over, expected) => {
    const r = await runOrchestration(probeRun, { input, instanceId: 'probe:f1:x', answers: world(over) });
    expect(timeline(r)).toEqual(expected.steps);
    expect(finished(r)).toMatchObject(expected.result);
    expect(r).toMatchObject({ status: 'completed', output: { runId: 'run-1', outcome: expected.result.outcome } });
  });

  it('the calls carry the run, the group and its operation, and the orchestration times', async () => {
    const r = await runOrchestration(probeRun, { input, answers: world({ probeObserve: { outcome: 'ok', state: 'terminated', ports: [portOk(443)] } }) });
    expect(r.calls.slice(0, 3)).toEqual([
      ['probeStart', { run: input, now: '2026-01-01T00:00:00.000Z' }],
      ['probeObserve', { group, bootId: 'boot-1', ports: [443, 8443], operation: started.operation }],
      ['probeDeleteGroup', { group }],
    ]);
    expect(finished(r)).toMatchObject({ runId: 'run-1', forward: 'f1', subnetId, actor: 'api', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z' });
  });
});

describe('route-resource-event', () => {
  it.each<[string, Answer, { steps: string[]; output: unknown }]>([
    ['the endpoint belongs to a forward: answers it', { outcome: 'ok', forward: 'f1' }, { steps: ['findForwardOfResource'], output: { outcome: 'ok', forward: 'f1' } }],
    ['a transient ARM failure: retried (backoff pollMs)', [{ outcome: 'retry', code: 'TooManyRequests', message: 't' }, { outcome: 'ok' }], { steps: ['findForwardOfResource', 'wait 1000', 'findForwardOfResource'], output: { outcome: 'ok' } }],
    ['transient every time: terminal after 3 attempts', { outcome: 'retry', code: 'InternalServerError', message: 'x' }, { steps: ['findForwardOfResource', 'wait 1000', 'findForwardOfResource', 'wait 2000', 'findForwardOfResource'], output: { outcome: 'terminal', code: 'InternalServerError', message: 'still failing after 3 attempts: x' } }],
  ])('%s', async (_situation, answer, expected) => {
    const routeInput = { resourceId: '/subscriptions/s/resourceGroups/c/providers/Microsoft.Network/privateEndpoints/pe1', actor: 'event', pollMs: 1000 };
    const r = await runOrchestration(routeResourceEvent, { input: routeInput, answers: { findForwardOfResource: answer } });
    expect(timeline(r)).toEqual(expected.steps);
    expect(r.calls[0]).toEqual(['findForwardOfResource', { resourceId: routeInput.resourceId, actor: 'event' }]);
    expect(r.output).toEqual(expected.output);
  });
});
