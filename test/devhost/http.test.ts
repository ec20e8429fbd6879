import { formatCookie } from '../../tools/devhost/server';
import { startTestHost, type TestHost } from './harness';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.stop());

const call = (path: string, init?: RequestInit) => fetch(`${host.url}${path}`, init);

describe('HTTP triggers on /api/<route>', () => {
  it.each([
    ['an optional parameter given', '/api/hello/Ada', { hello: 'Ada', query: {} }],
    ['an optional parameter omitted', '/api/hello', { hello: 'world', query: {} }],
    ['a query string', '/api/hello/Bob?x=1&y=two', { hello: 'Bob', query: { x: '1', y: 'two' } }],
    ['a repeated query key, comma-joined', '/api/hello/Bob?tag=a&tag=b', { hello: 'Bob', query: { tag: 'a,b' } }],
    ['a percent-encoded parameter', '/api/hello/a%20b', { hello: 'a b', query: {} }],
    ['literal segments matched case-insensitively', '/API/Hello/Cy', { hello: 'Cy', query: {} }],
    ['an int-constrained parameter', '/api/items/42', { id: 42, method: 'GET' }],
  ])('%s: GET %s', async (_situation, path, expected) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expected);
  });

  // As the real host: ASP.NET Core's query collection (names case-insensitive, the first spelling
  // kept) sent to the worker one string per name, repeated values comma-joined; the url keeps
  // the query string as sent, repeats and all.
  it.each<[string, string, Record<string, string>, [string, string][]]>([
    ['a name given twice: one value, comma-joined', '?top=20&top=30', { top: '20,30' }, [['top', '20'], ['top', '30']]],
    ['a name given in two cases: merged under the first spelling', '?top=1&TOP=2', { top: '1,2' }, [['top', '1'], ['TOP', '2']]],
    ['a value with a comma, once: indistinguishable in the map from a repeat', '?top=1%2C2', { top: '1,2' }, [['top', '1,2']]],
    ['empty values and a bare name stay, as empty strings', '?a=&b', { a: '', b: '' }, [['a', ''], ['b', '']]],
  ])('%s: GET /api/query%s', async (_situation, search, query, sent) => {
    const res = await call(`/api/query${search}`);
    expect(await res.json()).toEqual({ query, sent });
  });

  it('a literal route wins over a parameter route for the same path shape', async () => {
    const res = await call('/api/items/special');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('special');
  });

  it('a catch-all parameter takes the rest of the path; raw body bytes, headers and method arrive intact', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    const res = await call('/api/echo/a/b/c?k=v', { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream', 'x-custom': 'yes' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo-method')).toBe('PUT');
    expect(res.headers.get('x-echo-rest')).toBe('a/b/c');
    expect(await res.json()).toEqual({
      method: 'PUT',
      rest: 'a/b/c',
      contentType: 'application/octet-stream',
      custom: 'yes',
      bodyBase64: bytes.toString('base64'),
      query: { k: 'v' },
    });
  });

  it('a JSON body is parsed by request.json() and jsonBody answers application/json', async () => {
    const res = await call('/api/json-in', { method: 'POST', body: JSON.stringify({ a: 1, b: [true] }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ received: { a: 1, b: [true] }, keys: ['a', 'b'] });
  });

  it('an HttpResponse object sets status, headers, cookies and a text body', async () => {
    const res = await call('/api/response-object');
    expect(res.status).toBe(418);
    expect(res.headers.get('x-teapot')).toBe('yes');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('set-cookie')).toMatch(/^session=abc; Path=\/; HttpOnly/);
    expect(await res.text()).toBe('short and stout');
  });

  it('a 204 result answers 204 with no body', async () => {
    const res = await call('/api/no-content', { method: 'POST' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('a handler that returns nothing answers 204 No Content, as the host does since 2.x', async () => {
    const res = await call('/api/returns-nothing');
    expect(res.status).toBe(204);
  });

  it('a handler that returns something that is not a response answers 500', async () => {
    const res = await call('/api/returns-text');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
  });

  it.each<[string, string, string, number, RegExp, string[] | undefined]>([
    ['an unknown route', '/api/nowhere', 'GET', 404, /^no function's route matches GET \/api\/nowhere \(GET \/admin\/functions lists/, undefined],
    ['a path outside the route prefix', '/elsewhere/hello', 'GET', 404, /^nothing is served at GET \/elsewhere\/hello: HTTP functions are under \/api\//, undefined],
    ['a parameter that fails its int constraint', '/api/items/abc', 'GET', 404, /GET \/api\/items\/abc/, undefined],
    ['an unknown admin function', '/admin/functions/nope', 'POST', 404, /^no function named "nope"/, undefined],
    ['a route with a method it does not allow', '/api/hello/x', 'DELETE', 405, /^DELETE is not allowed on \/api\/hello\/x; it allows GET$/, ['GET']],
    ['a catch-all route with GET when only POST/PUT are allowed', '/api/echo/x', 'GET', 405, /^GET is not allowed on \/api\/echo\/x; it allows POST, PUT$/, ['POST', 'PUT']],
    ['the admin function list with POST', '/admin/functions', 'POST', 405, /^POST is not allowed on \/admin\/functions; it allows GET$/, ['GET']],
    ['an admin function with PUT', '/admin/functions/hello', 'PUT', 405, /^PUT is not allowed on \/admin\/functions\/hello; it allows GET, POST$/, ['GET', 'POST']],
  ])('%s: %s %s -> %d with a problem+json body naming it', async (_situation, path, method, status, detail, allowed) => {
    const res = await call(path, { method });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ type: 'about:blank', title: status === 404 ? 'Not Found' : 'Method Not Allowed', status, detail: expect.stringMatching(detail), ...(allowed ? { allowed } : {}) });
    expect(res.headers.get('allow')).toBe(allowed ? allowed.join(', ') : null);
  });

  it('a 404 names the path, never the query string (it may carry keys)', async () => {
    const res = await call('/api/nowhere?code=s3cret-key');
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain('/api/nowhere');
    expect(text).not.toContain('s3cret-key');
  });

  it('HEAD on an unknown route: 404 without a body', async () => {
    const res = await call('/api/nowhere', { method: 'HEAD' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });

  it('a handler that throws answers 500 without leaking the error, and the error is logged', async () => {
    const res = await call('/api/boom');
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(text).not.toMatch(/kaboom|secret-detail|at /);
    const failed = await host.waitForLines((l) => l.event === 'invocation' && l.functionName === 'boom' && l.outcome === 'Failed');
    expect(failed).toHaveLength(1);
    expect(host.lines.some((l) => String(l.message).includes('kaboom'))).toBe(true);
    expect(host.lines).toContainEqual(expect.objectContaining({ functionName: 'boom', level: 'warning', message: 'about to fail' }));
  });

  it('each HTTP invocation logs one line with function, id, duration and outcome', async () => {
    await call('/api/hello/Log');
    const [line] = await host.waitForLines((l) => l.event === 'invocation' && l.functionName === 'hello');
    expect(line).toEqual(expect.objectContaining({ invocationId: expect.any(String), durationMs: expect.any(Number), outcome: 'Succeeded' }));
  });

  it('an app log hook rewrites the line before the host records it', async () => {
    await call('/api/fixture/hooks?token=very-secret-value');
    const [line] = await host.waitForLines((l) => l.functionName === 'hooks' && String(l.message).startsWith('called with'));
    expect(line.message).toBe('called with token=***');
    expect(JSON.stringify(host.lines)).not.toContain('very-secret-value');
  });

  it('app hooks ran: appStart once before the first call, preInvocation per call', async () => {
    const first = (await (await call('/api/fixture/hooks')).json()) as { appStarted: boolean; preInvocations: number };
    const second = (await (await call('/api/fixture/hooks')).json()) as { appStarted: boolean; preInvocations: number };
    expect(first.appStarted).toBe(true);
    expect(second.preInvocations).toBeGreaterThan(first.preInvocations);
  });
});

describe('host.json extensions.http.routePrefix', () => {
  let custom: TestHost;
  beforeAll(async () => {
    custom = await startTestHost({ hostJson: { extensions: { http: { routePrefix: 'v1' } } } });
  });
  afterAll(() => custom?.stop());

  it.each([
    ['the custom prefix serves the route', '/v1/hello/P', 200],
    ['the default prefix no longer does', '/api/hello/P', 404],
  ])('%s', async (_s, path, status) => {
    expect((await fetch(`${custom.url}${path}`)).status).toBe(status);
  });
});

describe('Set-Cookie from the cookies a function returns', () => {
  it.each([
    ['name and value only', { name: 'a', value: '1' }, 'a=1'],
    ['path and HttpOnly', { name: 'a', value: '1', path: { value: '/' }, httpOnly: { value: true } }, 'a=1; Path=/; HttpOnly'],
    [
      'every attribute',
      { name: 's', value: 'x', domain: { value: 'example.com' }, path: { value: '/p' }, expires: { value: { seconds: 0 } }, maxAge: { value: 60 }, secure: { value: true }, httpOnly: { value: true }, sameSite: 'strict' as const },
      's=x; Domain=example.com; Path=/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60; Secure; HttpOnly; SameSite=Strict',
    ],
    ['SameSite=None when asked explicitly', { name: 'a', value: '1', sameSite: 'explicitNone' as const, secure: { value: true } }, 'a=1; Secure; SameSite=None'],
    ['no SameSite when left at the default', { name: 'a', value: '1', sameSite: 'none' as const }, 'a=1'],
  ])('%s', (_s, cookie, header) => {
    expect(formatCookie(cookie)).toBe(header);
  });
});
