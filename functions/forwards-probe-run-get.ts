import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { isRunId, probeInstanceId } from '../core/probes';
import type { ProbeRunState } from '../core/responses/probe-run';
import type { ProbeRunInput } from '../orchestrations/activities/probes';
import { isFinishedRun, ProbeHistory } from '../store/probe-history';
import { ForwardRegistry } from '../store/forward-registry';
import { denied } from './auth';
import { badRequest, queryValues } from './request-checks';
import { FunctionNames } from './names';
import { json, problem } from './problem';

/** GET /api/forwards/{name}/probes/runs/{runId}: `{state: running}` while the run goes, then `{state: finished, result}`. */
export async function forwardsProbeRunGet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'reader');
  if (refused) return refused;
  const name = request.params.name;
  // GUIDs compare case-insensitively; run ids are stored lower-case.
  const runId = request.params.runId?.toLowerCase();
  const invalid = badRequest({ name, path: isRunId(runId) ? [] : [{ path: 'runId', message: 'must be a GUID' }], query: queryValues(request, []).problems });
  if (invalid || !isRunId(runId)) return invalid ?? problem(400, 'Invalid path', 'a run id is a GUID');
  try {
    const record = await ForwardRegistry.fromEnv(process.env).get(name);
    if (!record) return problem(404, 'Not found', `no forward named "${name}"`);
    const run = await ProbeHistory.fromEnv(process.env).get(name, runId);
    if (run && isFinishedRun(run)) return json(200, { runId, state: 'finished', result: run } satisfies ProbeRunState);
    if (run) return json(200, { runId, state: 'running', subnetId: run.subnetId, startedAt: run.startedAt } satisfies ProbeRunState);
    // Started but its first step has not written the row yet.
    const client = df.getClient(context);
    for (const p of record.spec.probes) {
      const s = await client.getStatus(probeInstanceId(name, p.subnetId)).catch(() => undefined);
      if (s && (s.input as ProbeRunInput | undefined)?.runId === runId && ['Running', 'Pending'].includes(String(s.runtimeStatus))) return json(200, { runId, state: 'running', subnetId: p.subnetId } satisfies ProbeRunState);
    }
    return problem(404, 'Not found', `no probe run ${runId} of forward "${name}"`);
  } catch (err) {
    context.error(`probe run read failed: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the run could not be read; try again');
  }
}

app.http(FunctionNames.forwardsProbeRunGet, { route: 'forwards/{name}/probes/runs/{runId}', methods: ['GET'], authLevel: 'anonymous', extraInputs: [df.input.durableClient()], handler: forwardsProbeRunGet });
