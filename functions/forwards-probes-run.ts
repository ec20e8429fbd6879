import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { probeRunBodySchema } from '../core/action-bodies';
import { SUBNET_ID } from '../core/probes';
import type { ProbeRunStarted } from '../core/responses/probe-run';
import { probeRunInput, startProbeRun } from '../orchestrations/probes-client';
import { ForwardRegistry } from '../store/forward-registry';
import { denied } from './auth';
import { badRequest, queryValues, readActionBody } from './request-checks';
import { FunctionNames } from './names';
import { json, problem } from './problem';

/**
 * POST /api/forwards/{name}/probes/run[?subnetId=...]: starts a run of the forward's probe now
 * (the one named by `subnetId`, required when the forward has several). 202 with `Location`
 * (GET .../probes/runs/{runId}: the run while it runs, then its result); 409 while a run of that
 * probe is going. The body is none or `{}` (core/action-bodies.ts): anything else is refused
 * (400 naming its problems with the name's and the query's, 413, 415) before the registry is read.
 */
export async function forwardsProbesRun(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'operator');
  if (refused) return refused;
  const name = request.params.name;
  const query = queryValues(request, ['subnetId']);
  const subnetId = query.values.subnetId;
  const body = await readActionBody(request, probeRunBodySchema);
  if ('unreadable' in body) return body.unreadable;
  const bad = badRequest({ name, query: [...query.problems, ...(subnetId !== undefined && !SUBNET_ID.test(subnetId) ? [{ path: 'subnetId', message: 'must be a subnet resource id' }] : [])], body: body.problems });
  if (bad) return bad;
  try {
    const record = await ForwardRegistry.fromEnv(process.env).get(name);
    if (!record || record.deleting) return problem(404, 'Not found', `no forward named "${name}"`);
    const probes = record.spec.probes;
    if (!probes.length) return problem(400, 'No probes', `forward "${name}" has no probes in its spec`);
    const probe = subnetId ? probes.find((p) => p.subnetId.toLowerCase() === subnetId.toLowerCase()) : probes.length === 1 ? probes[0] : undefined;
    if (!probe) return problem(400, 'Invalid query', subnetId ? `forward "${name}" has no probe in ${subnetId}` : `forward "${name}" has ${probes.length} probes: name one with ?subnetId=`, [{ path: 'subnetId', message: subnetId ? 'is not one of the forward\'s probes' : 'is required' }]);
    const input = probeRunInput(name, probe, 'api');
    const started = await startProbeRun(df.getClient(context), input);
    if (started === 'running') return problem(409, 'Probe running', `a run of the probe in ${probe.subnetId} is in progress; try again when it has finished`);
    const location = `/api/forwards/${name}/probes/runs/${input.runId}`;
    return json(202, { runId: input.runId, subnetId: probe.subnetId, state: 'running', location } satisfies ProbeRunStarted, { Location: location });
  } catch (err) {
    context.error(`probe run start failed: ${(err as Error).message}`);
    return problem(503, 'Unavailable', 'the run could not be started; try again');
  }
}

app.http(FunctionNames.forwardsProbesRun, { route: 'forwards/{name}/probes/run', methods: ['POST'], authLevel: 'anonymous', extraInputs: [df.input.durableClient()], handler: forwardsProbesRun });
