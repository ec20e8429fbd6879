import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { ForwardRegistry } from '../store/forward-registry';
import { denied } from './auth';
import { badName } from './request-checks';
import { FunctionNames } from './names';
import { json, problem } from './problem';

/**
 * POST /api/forwards/{name}/recycling/resume: an operator resumes recycling after RecycleSuspended
 * (the other way out is a spec change). Recycles before this moment no longer count toward the
 * hourly limit; the next health sweep clears the condition.
 */
export async function forwardsResumeRecycling(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = denied(request, 'operator');
  if (refused) return refused;
  const invalid = badName(request.params.name);
  if (invalid) return invalid;
  const name = request.params.name;
  try {
    const registry = ForwardRegistry.fromEnv(process.env);
    if (!(await registry.get(name))) return problem(404, 'Not found', `no forward named "${name}"`);
    const at = new Date().toISOString();
    await registry.resumeRecycling(name, at);
    return json(202, { resumedAt: at });
  } catch (err) {
    context.error(`resume recycling failed: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the registry could not be written; try again');
  }
}

app.http(FunctionNames.forwardsResumeRecycling, { route: 'forwards/{name}/recycling/resume', methods: ['POST'], authLevel: 'function', handler: forwardsResumeRecycling });
