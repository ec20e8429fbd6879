import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { SUBNET_ID } from '../core/patterns';
import type { ProbeRunList } from '../core/responses/probe-run';
import { isRunContinuation, ProbeHistory } from '../store/probe-history';
import { ForwardRegistry } from '../store/forward-registry';
import { denied } from './auth';
import { badRequest, queryValues, topOf } from './request-checks';
import { FunctionNames } from './names';
import { json, problem } from './problem';

/** GET /api/forwards/{name}/probes?top=50&subnetId=...&continuation=...: finished probe runs, newest first, `{value, nextLink}`. */

export async function forwardsProbes(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'reader');
  if (refused) return refused;
  const name = request.params.name;
  const query = queryValues(request, ['top', 'subnetId', 'continuation']);
  const { continuation, subnetId } = query.values;
  const top = topOf(query.values.top, 50, 200) ?? 0;
  const problems = [
    ...query.problems,
    ...(top ? [] : [{ path: 'top', message: 'must be an integer 1-200' }]),
    ...(continuation === undefined || isRunContinuation(continuation) ? [] : [{ path: 'continuation', message: 'is not a continuation this API gave out' }]),
    ...(subnetId === undefined || SUBNET_ID.test(subnetId) ? [] : [{ path: 'subnetId', message: 'must be a subnet resource id .../virtualNetworks/{vnet}/subnets/{subnet}' }]),
  ];
  const bad = badRequest({ name, query: problems });
  if (bad) return bad;
  try {
    if (!(await ForwardRegistry.fromEnv(process.env).get(name))) return problem(404, 'Not found', `no forward named "${name}"`);
    const page = await ProbeHistory.fromEnv(process.env).page(name, top, { ...(continuation ? { continuation } : {}), ...(subnetId ? { subnetId } : {}) });
    const next = page.continuation
      ? `/api/forwards/${name}/probes?top=${top}${subnetId ? `&subnetId=${encodeURIComponent(subnetId)}` : ''}&continuation=${page.continuation}`
      : undefined;
    return json(200, { value: page.value, ...(next ? { nextLink: next } : {}) } satisfies ProbeRunList);
  } catch (err) {
    context.error(`probe history read failed: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the probe history could not be read; try again');
  }
}

app.http(FunctionNames.forwardsProbes, { route: 'forwards/{name}/probes', methods: ['GET'], authLevel: 'anonymous', handler: forwardsProbes });
