import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { ConcurrentWritesError, ForwardNotFoundError, ForwardRegistry, PreconditionFailedError } from '../store/forward-registry';
import { etagHeader, forwardView } from './forward-view';
import { denied } from './auth';
import { FunctionNames } from './names';
import { json, problem } from './problem';
import { badRequest, preconditions, queryValues } from './request-checks';
import { signalReconcile } from './singletons';

/**
 * DELETE /api/forwards/{name}: marks it deleting (intent first) and signals the teardown; 202.
 * No query parameter; If-Match / If-None-Match (RFC 9110 13.1) are the client's preconditions,
 * 412 when they do not hold on the forward stored (a malformed one is named in a 400 with the
 * name's and the query's problems). A forward that does not exist is 404 whatever they say.
 */
export async function forwardsDelete(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'operator');
  if (refused) return refused;
  const name = request.params.name;
  const pre = preconditions(request, ['if-match', 'if-none-match']);
  const invalid = badRequest({ name, query: queryValues(request, []).problems, header: pre.problems });
  if (invalid) return invalid;
  let record;
  try {
    record = await ForwardRegistry.fromEnv(process.env).markDeleting(name, pre.conditions);
  } catch (err) {
    if (err instanceof ForwardNotFoundError) return problem(404, 'Not found', `no forward named "${name}"`);
    if (err instanceof PreconditionFailedError) return problem(412, 'Precondition failed', err.message);
    if (err instanceof ConcurrentWritesError) return problem(409, 'Conflict', err.message);
    context.error(`registry write failed for ${name}: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the forward registry could not be written; try again');
  }
  await signalReconcile(df.getClient(context), name);
  return json(202, forwardView(record), { Location: `/api/forwards/${name}`, ...etagHeader(record) });
}

app.http(FunctionNames.forwardsDelete, {
  route: 'forwards/{name}',
  methods: ['DELETE'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: forwardsDelete,
});
