import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { armTarget, storageTarget } from '../core/app-settings';
import { appVersion } from './app-version';
import { FunctionNames } from './names';

// Read once at load: the package version cannot change while the app runs.
const version = appVersion();

/** GET /api/health: the app's version and which Azure endpoint and storage it is configured for. */
export async function health(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  return {
    status: 200,
    jsonBody: {
      status: 'ok',
      version,
      node: process.version,
      arm: armTarget(process.env),
      storage: storageTarget(process.env),
    },
  };
}

app.http(FunctionNames.health, { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
