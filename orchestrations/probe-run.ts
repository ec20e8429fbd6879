import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { PortResult, ProbeRunResult } from '../core/probes';
import { probeKey, runOutcome } from '../core/probes';
import { DurableNames } from './names';
import { runStep, wait } from './kit/steps';
import type { ObserveOutput, ProbeRunInput, StartOutput } from './activities/probes';

/**
 * One probe run of one (forward, probe) — instance id `probe:{forward}:{probeKey}`, so at most one
 * runs at a time (core/probes.ts `probeInstanceId`):
 *
 *   probeStart (state row, `running` history row, delegation check, target, PUT the group)
 *   -> poll probeObserve on a durable timer until every container has terminated, or the image
 *      cannot be pulled (`infrastructure`, ImagePullFailed, at once), or the run's deadline passes (`deadline`), or the host that started the run is gone (`interrupted`:
 *      after a restart the poll sees another process)
 *   -> probeDeleteGroup (always once a group may exist: also after a failure, deadline or interruption)
 *   -> probeFinish (history, failure count, `probes` section, Reachable change logged).
 * The verdict comes from exit codes and the output lines, never from provisioningState.
 */
export const probeRun: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  const input = ctx.df.getInput() as ProbeRunInput;
  const startedAt = ctx.df.currentUtcDateTime.toISOString();
  const opts = { pollMs: input.pollMs, maxRetries: 3 };
  const base = { runId: input.runId, forward: input.forward, subnetId: input.probe.subnetId, probeKey: probeKey(input.probe.subnetId), actor: input.actor, startedAt };
  const start = yield* runStep<StartOutput>(ctx, opts, DurableNames.probeStart, { run: input, now: startedAt });
  let result: ProbeRunResult;
  if (start.outcome !== 'ok') {
    result = { ...base, finishedAt: startedAt, outcome: 'infrastructure', ports: [], code: start.outcome === 'pending' ? 'Unknown' : start.code, detail: start.outcome === 'pending' ? 'start did not finish' : start.message };
  } else if (start.final) {
    result = start.final;
    if (start.group) yield* runStep(ctx, opts, DurableNames.probeDeleteGroup, { group: start.group });
  } else {
    const group = start.group!;
    const ports = start.ports ?? [];
    const deadline = Date.parse(startedAt) + input.deadlineSeconds * 1000;
    let observed: ObserveOutput | undefined;
    let failure: { code: string; message: string } | undefined;
    while (ctx.df.currentUtcDateTime.getTime() < deadline) {
      yield wait(ctx, input.pollMs);
      const r = yield* runStep<ObserveOutput>(ctx, opts, DurableNames.probeObserve, { group, bootId: start.bootId, ports, ...(start.operation ? { operation: start.operation } : {}) });
      if (r.outcome !== 'ok') {
        failure = r.outcome === 'pending' ? { code: 'Unknown', message: 'observe did not finish' } : { code: r.code, message: r.message };
        break;
      }
      if (r.state !== 'running') {
        observed = r;
        break;
      }
    }
    if (!observed && !failure) {
      // The deadline passed: one last look, so a run whose host died meanwhile (a restart can take
      // longer than the deadline) is recorded interrupted, and one that just finished keeps its result.
      const last = yield* runStep<ObserveOutput>(ctx, opts, DurableNames.probeObserve, { group, bootId: start.bootId, ports, ...(start.operation ? { operation: start.operation } : {}) });
      if (last.outcome === 'ok' && last.state !== 'running') observed = last;
    }
    yield* runStep(ctx, opts, DurableNames.probeDeleteGroup, { group });
    const finishedAt = ctx.df.currentUtcDateTime.toISOString();
    const host = start.host ? { host: start.host } : {};
    const allPorts = (detail: string): PortResult[] => ports.map((port) => ({ port, ok: false, stage: 'infrastructure', detail }));
    if (observed?.state === 'terminated' && observed.ports) {
      result = { ...base, ...host, finishedAt, outcome: runOutcome(observed.ports), ports: observed.ports, ...(observed.code ? { code: observed.code } : {}), ...(observed.detail ? { detail: observed.detail } : {}) };
    } else if (observed?.state === 'interrupted') result = { ...base, ...host, finishedAt, outcome: 'interrupted', ports: allPorts('interrupted: the host restarted during the run'), detail: 'the host that started the run stopped before its result was read; the group was deleted' };
    else if (observed?.state === 'gone') result = { ...base, ...host, finishedAt, outcome: 'infrastructure', ports: allPorts('the container group disappeared'), code: 'ContainerGroupGone', detail: 'the container group disappeared before its containers terminated' };
    else if (failure) result = { ...base, ...host, finishedAt, outcome: 'infrastructure', ports: allPorts(failure.message.slice(0, 200)), code: failure.code, detail: failure.message };
    else result = { ...base, ...host, finishedAt, outcome: 'deadline', ports: allPorts(`no result within ${input.deadlineSeconds} s`), detail: `the containers did not terminate within ${input.deadlineSeconds} s` };
  }
  yield ctx.df.callActivity(DurableNames.probeFinish, { result, now: ctx.df.currentUtcDateTime.toISOString() });
  return { runId: result.runId, outcome: result.outcome };
};

df.app.orchestration(DurableNames.probeRun, probeRun);
