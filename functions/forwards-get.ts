import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { ConnectionStore } from '../store/connection-store';
import { ForwardRegistry } from '../store/forward-registry';
import { etagHeader, forwardView } from './forward-view';
import { denied } from './auth';
import { FunctionNames } from './names';
import { json, problem } from './problem';
import { badRequest, queryValues } from './request-checks';

/** GET /api/forwards/{name}: spec, generation, status (phase, conditions, resources, alias, nodes, connections with their decision and DNS record). */
export async function forwardsGet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'reader');
  if (refused) return refused;
  const invalid = badRequest({ name: request.params.name, query: queryValues(request, []).problems });
  if (invalid) return invalid;
  try {
    const record = await ForwardRegistry.fromEnv(process.env).get(request.params.name);
    if (!record) return problem(404, 'Not found', `no forward named "${request.params.name}"`);
    const rows = await ConnectionStore.fromEnv(process.env).list(record.name);
    return json(200, forwardView(record, rows), etagHeader(record));
  } catch (err) {
    context.error(`registry read failed: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the forward registry could not be read; try again');
  }
}

app.http(FunctionNames.forwardsGet, { route: 'forwards/{name}', methods: ['GET'], authLevel: 'anonymous', handler: forwardsGet });
