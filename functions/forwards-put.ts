import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { parseForwardSpec } from '../core/forward-spec';
import { specChangeProblems } from '../core/spec-change';
import { ConcurrentWritesError, ForwardRegistry, PreconditionFailedError, SpecChangeRefusedError } from '../store/forward-registry';
import { etagHeader, forwardView } from './forward-view';
import { denied } from './auth';
import { FunctionNames } from './names';
import { json, problem } from './problem';
import { badRequest, preconditions, queryValues, readJsonBody } from './request-checks';
import { signalConnections, signalReconcile } from './singletons';

/**
 * PUT /api/forwards/{name}: validate (one 400 naming every problem of the name, the query — it
 * takes none —, the If-Match/If-None-Match headers and the body), write the spec with
 * generation+1, then start or signal the forward's orchestration. 202 + Location for a change; an
 * identical body is a no-op answered 200. Preconditions are the client's (RFC 9110 13.1): If-Match
 * (`*`: it exists; entity tags: one is this version, compared strongly) and If-None-Match (`*`:
 * create only; entity tags: it is none of those versions) answer 412 when they do not hold;
 * without them a write that raced another is retried (last writer wins). A change Azure cannot
 * carry out in place (removing a zone, core/spec-change.ts) is a 400 naming it, nothing written.
 */
export async function forwardsPut(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'operator');
  if (refused) return refused;
  const name = request.params.name;
  const read = await readJsonBody(request);
  if ('unreadable' in read) return read.unreadable;
  // Text that is not JSON is a body problem named with the name's, as the spec's problems are.
  const parsed = 'body' in read ? parseForwardSpec(read.body) : { ok: false as const, problems: read.problems };
  const pre = preconditions(request, ['if-match', 'if-none-match']);
  const bad = badRequest({ name, query: queryValues(request, []).problems, header: pre.problems, body: parsed.ok ? [] : parsed.problems, bodyTitle: 'body' in read ? 'Invalid forward' : 'Invalid JSON' });
  if (bad || !parsed.ok) return bad ?? problem(400, 'Invalid forward', 'the forward spec has problems');

  let outcome;
  try {
    // Built inside the try: a missing or unreachable storage setting is a 503, never a bare 500.
    outcome = await ForwardRegistry.fromEnv(process.env).putSpec(name, parsed.spec, pre.conditions, specChangeProblems);
  } catch (err) {
    if (err instanceof PreconditionFailedError) return problem(412, 'Precondition failed', err.message);
    if (err instanceof SpecChangeRefusedError) return problem(400, 'Change not possible', `the forward cannot change this way (${err.problems.length} problem(s))`, err.problems.map((p) => ({ ...p, in: 'body' as const })));
    if (err instanceof ConcurrentWritesError) return problem(409, 'Conflict', err.message);
    context.error(`registry write failed for ${name}: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the forward registry could not be written; try again');
  }
  // Even an unchanged spec makes sure the orchestration runs (the sweep would, later). A changed
  // spec (allow list, dns) is also the connections flow's business, once the PLS exists.
  const client = df.getClient(context);
  await signalReconcile(client, name);
  if (outcome.kind !== 'unchanged' && outcome.record.status.resources.privateLinkServiceId) await signalConnections(client, name, { actor: 'api' });
  const headers = { Location: `/api/forwards/${name}`, ...etagHeader(outcome.record) };
  return json(outcome.kind === 'unchanged' ? 200 : 202, forwardView(outcome.record), headers);
}

app.http(FunctionNames.forwardsPut, {
  route: 'forwards/{name}',
  methods: ['PUT'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: forwardsPut,
});
