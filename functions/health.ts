import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { armTarget, storageTarget } from '../core/app-settings';
import { authMode } from '../core/auth';
import type { Health } from '../core/responses/health';
import { appVersion } from './app-version';
import { FunctionNames } from './names';
import { badRequest, queryValues } from './request-checks';

// Read once at load: the package version cannot change while the app runs.
const version = appVersion();

/**
 * GET /api/health (anonymous: the platform's health probe and Easy Auth's excluded path): status
 * and the app's version. Only with sign-in off (PLF_AUTH=off, the local stack) does it also say
 * which Node.js, Azure endpoint and storage the app runs with (never a key); deployed, an
 * anonymous caller learns nothing of the infrastructure. Like every route, it refuses a query
 * parameter it does not take (it takes none) with a 400 naming it.
 */
export async function health(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const bad = badRequest({ query: queryValues(request, []).problems });
  if (bad) return bad;
  const local = authMode(process.env) === 'off';
  return {
    status: 200,
    jsonBody: {
      status: 'ok',
      version,
      ...(local ? { node: process.version, arm: armTarget(process.env), storage: storageTarget(process.env) } : {}),
    } satisfies Health,
  };
}

app.http(FunctionNames.health, { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
