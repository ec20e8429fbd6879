import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { ForwardList } from '../core/responses/forward';
import { ForwardRegistry } from '../store/forward-registry';
import { denied } from './auth';
import { statusOf } from './forward-view';
import { FunctionNames } from './names';
import { json, problem } from './problem';
import { badRequest, queryValues } from './request-checks';

/** GET /api/forwards: every forward with its phase, as GET of the forward and the status page show it. It takes no query parameter (400 naming one). */
export async function forwardsList(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'reader');
  if (refused) return refused;
  const bad = badRequest({ query: queryValues(request, []).problems });
  if (bad) return bad;
  try {
    const records = await ForwardRegistry.fromEnv(process.env).list();
    return json(200, {
      // The phase every view shows (assembled from each flow's section: Degraded while a node fails,
      // Deleting from the DELETE on), not the reconcile's own record of it.
      value: records.map((r) => ({ name: r.name, generation: r.generation, observedGeneration: r.status.observedGeneration, phase: statusOf(r).phase, deleting: r.deleting })),
    } satisfies ForwardList);
  } catch (err) {
    context.error(`registry list failed: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the forward registry could not be read; try again');
  }
}

app.http(FunctionNames.forwardsList, { route: 'forwards', methods: ['GET'], authLevel: 'anonymous', handler: forwardsList });
