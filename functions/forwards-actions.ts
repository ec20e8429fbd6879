import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { ActionList } from '../core/responses/action';
import { ActionLog, isContinuation } from '../store/action-log';
import { ForwardRegistry } from '../store/forward-registry';
import { denied } from './auth';
import { FunctionNames } from './names';
import { json, problem } from './problem';
import { badRequest, queryValues, topOf } from './request-checks';

/** GET /api/forwards/{name}/actions?top=50&continuation=...: the action log, newest first, `{value, nextLink}`. */
export async function forwardsActions(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'reader');
  if (refused) return refused;
  const name = request.params.name;
  const query = queryValues(request, ['top', 'continuation']);
  const { continuation } = query.values;
  const top = topOf(query.values.top, 50, 200) ?? 0;
  const problems = [
    ...query.problems,
    ...(top ? [] : [{ path: 'top', message: 'must be an integer 1-200' }]),
    ...(continuation === undefined || isContinuation(continuation) ? [] : [{ path: 'continuation', message: 'is not a continuation this API gave out' }]),
  ];
  const bad = badRequest({ name, query: problems });
  if (bad) return bad;
  try {
    if (!(await ForwardRegistry.fromEnv(process.env).get(name))) return problem(404, 'Not found', `no forward named "${name}"`);
    const page = await ActionLog.fromEnv(process.env).page(name, top, continuation);
    const next = page.continuation ? `/api/forwards/${name}/actions?top=${top}&continuation=${page.continuation}` : undefined;
    return json(200, { value: page.value, ...(next ? { nextLink: next } : {}) } satisfies ActionList);
  } catch (err) {
    context.error(`action log read failed: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the action log could not be read; try again');
  }
}

app.http(FunctionNames.forwardsActions, { route: 'forwards/{name}/actions', methods: ['GET'], authLevel: 'anonymous', handler: forwardsActions });
