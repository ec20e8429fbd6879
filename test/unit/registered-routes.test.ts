import * as fs from 'node:fs';
import * as path from 'node:path';
import { HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { openApiDocument } from '../../core/openapi';
import { useEnv } from '../helpers/env';
import { hostRequest } from '../helpers/host-request';
import { responseChecker, type OpenApiDocument } from '../helpers/openapi-check';

/**
 * Every HTTP trigger the app registers — found as the worker finds them: every functions/*.ts file
 * loaded, each registration caught where `@azure/functions` hands it to the worker
 * (`@azure/functions-core` registerFunction) — refuses a query parameter it does not take with a
 * 400 naming it (in: query), before it reads or writes anything; `code`, the function key the
 * platform reads, is let through. A route added without the check fails here, whatever its file.
 * No storage is configured: a request let through answers 503 (or 200 where no storage is read).
 *
 * Sign-in: every route is `authLevel: 'anonymous'` (behind App Service authentication a
 * `function` level would still ask for a key nobody has, azure-facts.md "Easy Auth and function
 * keys"), so the app's own check is the lock: with PLF_AUTH=entra every route but /api/health and
 * /api/openapi.json answers 401 to a call without a token — before it looks at the query — and
 * those two answer without one. A route added without the check fails here.
 *
 * Every answer here is also checked against the OpenAPI document (test/helpers/openapi-check.ts):
 * each registered route is an operation of the document, and what it answered (status, content
 * type, body) is what the document says of it.
 */
interface Registration {
  name: string;
  trigger: { type: string; route?: string; methods?: string[]; authLevel?: string };
  handler: (request: unknown, context: InvocationContext) => Promise<HttpResponseInit>;
}
const mockRegistrations: Registration[] = [];
jest.mock(
  '@azure/functions-core',
  () => ({
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerHook: () => ({ dispose: () => undefined }),
    registerFunction: (metadata: { name: string; bindings: Record<string, { type: string }> }, handler: Registration['handler']) => {
      const trigger = Object.values(metadata.bindings).find((b) => /trigger$/i.test(b.type))!;
      mockRegistrations.push({ name: metadata.name, trigger, handler });
      return { dispose: () => undefined };
    },
  }),
  { virtual: true },
);

useEnv({ PLF_AUTH: 'off', AzureWebJobsStorage: undefined, AzureWebJobsStorage__tableServiceUri: undefined, AzureWebJobsStorage__accountName: undefined, APPLICATIONINSIGHTS_CONNECTION_STRING: undefined });

const FUNCTIONS = path.join(__dirname, '../../functions');
const RUN = '0b9f4e7c-3a2d-4c1b-9e8f-7a6b5c4d3e2f';
/** A valid value for each route parameter the app uses. */
const PARAMS: Record<string, string> = { name: 'web', runId: RUN };

function httpRoutes(): Registration[] {
  for (const f of fs.readdirSync(FUNCTIONS).filter((x) => x.endsWith('.ts')).sort()) require(path.join(FUNCTIONS, f));
  return mockRegistrations.filter((r) => r.trigger.type === 'httpTrigger');
}
const routes = httpRoutes();
const cases = routes.flatMap((r) => (r.trigger.methods ?? []).map((method) => [`${method} /api/${r.trigger.route} (${r.name})`, r, method] as const));
const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });
const checkAnswer = responseChecker(openApiDocument('1.2.3') as unknown as OpenApiDocument);

/** Calls the route's handler and checks its answer against the document; the answer, for the test's own expectations. */
async function answer(r: Registration, method: string, query: string): Promise<HttpResponseInit> {
  const res = await r.handler(request(r, method, query), context());
  // As the library sends it (jsonBody -> application/json).
  const sent = new HttpResponse(res);
  const problems = checkAnswer({ method, url: `/api/${r.trigger.route}${query}`, status: sent.status, contentType: sent.headers.get('content-type'), text: await sent.text() });
  expect({ route: `${method} ${r.trigger.route}`, problems }).toEqual({ route: `${method} ${r.trigger.route}`, problems: [] });
  return res;
}

function request(r: Registration, method: string, query: string) {
  const params = Object.fromEntries([...(r.trigger.route ?? '').matchAll(/\{(\w+)\}/g)].map((m) => [m[1], PARAMS[m[1]] ?? 'x']));
  const url = `http://127.0.0.1/api/${(r.trigger.route ?? '').replace(/\{(\w+)\}/g, (_, k: string) => params[k])}${query}`;
  // A body each write route takes: PUT a valid spec, the action routes none.
  const body = method === 'PUT' ? JSON.stringify({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] }) : undefined;
  return hostRequest(method, url, params, body ? { 'content-type': 'application/json' } : {}, body);
}

describe('every registered HTTP route signs its caller in (PLF_AUTH=entra)', () => {
  const OPEN = ['health', 'openapi.json'];
  const signInEnv = { PLF_AUTH: 'entra', PLF_AUTH_ISSUER: 'https://login.microsoftonline.com/t/v2.0', PLF_AUTH_AUDIENCE: 'client-id', PLF_AUTH_JWKS_URL: 'https://127.0.0.1:1/keys' };
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [k, v] of Object.entries(signInEnv)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('every HTTP trigger is anonymous to the host, and no file under functions/ asks for a function key', () => {
    expect(routes.filter((r) => r.trigger.authLevel !== 'anonymous').map((r) => `${r.name}: ${r.trigger.authLevel}`)).toEqual([]);
    const files = fs.readdirSync(FUNCTIONS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.filter((f) => fs.readFileSync(path.join(FUNCTIONS, f), 'utf8').includes("authLevel: 'function'"))).toEqual([]);
  });

  it.each(cases.filter(([, r]) => !OPEN.includes(r.trigger.route ?? '')))('%s without a token (and with a query it does not take): 401, sign-in first', async (_route, r, method) => {
    const res = await answer(r, method, '?zz=1');
    expect(res.status).toBe(401);
    expect((res.headers as Record<string, string>)['WWW-Authenticate']).toBe('Bearer');
  });

  it.each(cases.filter(([, r]) => OPEN.includes(r.trigger.route ?? '')))('%s without a token: answered (anonymous on purpose)', async (_route, r, method) => {
    expect((await answer(r, method, '')).status).toBe(200);
  });
});

describe('every registered HTTP route checks its query', () => {
  it('finds the routes (every HTTP trigger of functions/*.ts)', () => {
    expect(routes.map((r) => r.trigger.route)).toEqual(
      expect.arrayContaining(['forwards', 'forwards/{name}', 'forwards/{name}/actions', 'forwards/{name}/probes', 'forwards/{name}/probes/run', 'forwards/{name}/probes/runs/{runId}', 'forwards/{name}/recycling/resume', 'health', 'openapi.json', 'ui']),
    );
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  it.each(cases)('%s ?zz=1: 400 naming zz, in: query', async (_route, r, method) => {
    const res = await answer(r, method, '?zz=1');
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body as string) as { problems: { path: string; in: string; message: string }[] };
    expect(body.problems).toEqual([{ path: 'zz', in: 'query', message: expect.stringMatching(/^is not a query parameter of this route \(it takes /) }]);
  });

  it.each(cases)('%s ?zz=1&zz=2 (the host hands it over as zz=1,2): named once, as not a parameter of the route', async (_route, r, method) => {
    const res = await answer(r, method, '?zz=1&zz=2');
    expect(res.status).toBe(400);
    expect((JSON.parse(res.body as string) as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(['zz']);
  });

  it.each(cases)('%s with only ?code=<function key>: let through to the route\'s work', async (_route, r, method) => {
    expect([200, 503]).toContain((await answer(r, method, '?code=k')).status);
  });
});
