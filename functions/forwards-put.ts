import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { forwardNameProblems, parseForwardSpec } from '../core/forward-spec';
import { ForwardRegistry, PreconditionFailedError } from '../store/forward-registry';
import { etagHeader, forwardView } from './forward-view';
import { denied } from './auth';
import { FunctionNames } from './names';
import { json, problem } from './problem';
import { badBody } from './request-checks';
import { signalConnections, signalReconcile } from './singletons';

/**
 * PUT /api/forwards/{name}: validate (400 listing every problem), write the spec with
 * generation+1 under the etag (If-Match -> 412 on mismatch), then start or signal the forward's
 * orchestration. 202 + Location for a change; an identical body is a no-op answered 200.
 */
export async function forwardsPut(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = denied(request, 'operator');
  if (refused) return refused;
  const name = request.params.name;
  const early = badBody(request);
  if (early) return early;
  let body: unknown;
  try {
    const text = await request.text();
    const late = badBody(request, text);
    if (late) return late;
    body = text.trim() ? JSON.parse(text) : undefined;
  } catch {
    return problem(400, 'Invalid JSON', 'the request body is not valid JSON');
  }
  const parsed = parseForwardSpec(body);
  const problems = [...forwardNameProblems(name), ...(parsed.ok ? [] : parsed.problems)];
  if (problems.length || !parsed.ok) return problem(400, 'Invalid forward', `the forward spec has ${problems.length} problem(s)`, problems);

  let outcome;
  try {
    // Built inside the try: a missing or unreachable storage setting is a 503, never a bare 500.
    outcome = await ForwardRegistry.fromEnv(process.env).putSpec(name, parsed.spec, request.headers.get('if-match') ?? undefined);
  } catch (err) {
    if (err instanceof PreconditionFailedError) return problem(412, 'Precondition failed', err.message);
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
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: forwardsPut,
});
