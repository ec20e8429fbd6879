import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { resumeRecyclingBodySchema } from '../core/action-bodies';
import { suspensionInForce } from '../core/health';
import type { RecyclingResume } from '../core/responses/recycling';
import { ForwardRegistry } from '../store/forward-registry';
import { denied } from './auth';
import { badRequest, queryValues, readActionBody } from './request-checks';
import { FunctionNames } from './names';
import { json, problem } from './problem';

/**
 * POST /api/forwards/{name}/recycling/resume: an operator resumes recycling after RecycleSuspended
 * (the other way out is a spec change). Recycles before this moment no longer count toward the
 * hourly limit; the next health sweep clears the condition. The body is none or `{}`
 * (core/action-bodies.ts), and no query parameter; anything else is refused (400 naming its problems
 * with the name's and the query's, 413, 415) before the registry is read.
 *
 * With no suspension in force (none recorded, ended by a spec change, or already resumed) the
 * answer is 200 with `resumed: false` and a message saying why, and nothing is written: resuming
 * is idempotent — the state the operator asks for ("recycling active") already holds, so a
 * script or a retry after a lost answer gets a success, not a 409 that reads like a failure; and
 * not 202 either, which would claim work was started. A resume while nothing is suspended also
 * does not quietly reset the hourly recycle count.
 */
export async function forwardsResumeRecycling(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'operator');
  if (refused) return refused;
  const name = request.params.name;
  const body = await readActionBody(request, resumeRecyclingBodySchema);
  if ('unreadable' in body) return body.unreadable;
  const bad = badRequest({ name, query: queryValues(request, []).problems, body: body.problems });
  if (bad) return bad;
  try {
    const registry = ForwardRegistry.fromEnv(process.env);
    const record = await registry.get(name);
    if (!record) return problem(404, 'Not found', `no forward named "${name}"`);
    const recorded = record.health?.suspended;
    const suspended = suspensionInForce(recorded, record.generation, record.recycleResumedAt);
    if (!suspended) {
      const why = !recorded
        ? 'recycling is not suspended: nothing to resume'
        : recorded.generation !== record.generation
          ? `recycling is not suspended: a spec change ended the suspension of node ${recorded.instanceId}; nothing to resume`
          : `recycling of node ${recorded.instanceId} was already resumed at ${record.recycleResumedAt}; the next health sweep clears RecycleSuspended`;
      return json(200, { resumed: false, ...(record.recycleResumedAt ? { resumedAt: record.recycleResumedAt } : {}), message: why } satisfies RecyclingResume);
    }
    const at = new Date().toISOString();
    await registry.resumeRecycling(name, at);
    return json(202, { resumed: true, resumedAt: at, instanceId: suspended.instanceId, suspendedSince: suspended.since, message: `recycling of node ${suspended.instanceId} (suspended since ${suspended.since}) is resumed; the next health sweep clears RecycleSuspended` } satisfies RecyclingResume);
  } catch (err) {
    context.error(`resume recycling failed: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the registry could not be written; try again');
  }
}

app.http(FunctionNames.forwardsResumeRecycling, { route: 'forwards/{name}/recycling/resume', methods: ['POST'], authLevel: 'anonymous', handler: forwardsResumeRecycling });
