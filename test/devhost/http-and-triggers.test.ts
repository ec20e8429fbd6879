import { eventually, startDevhostProcess, type DevhostProcess } from './helpers/devhost-process';

/** devhost serving the fixture app over real HTTP, as `node dist/tools/devhost/cli.js` does. */
let host: DevhostProcess;

beforeAll(async () => {
  host = await startDevhostProcess([], { FIXTURE_TICK_SCHEDULE: '*/1 * * * * *' });
});
afterAll(() => host?.stop());

const api = (path: string, init?: RequestInit) => fetch(`${host.url}${path}`, init);

describe('HTTP triggers', () => {
  it.each([
    ['a route parameter reaches the handler; headers set by the app come back', 'GET', '/api/hello/world', 200, 'hello world'],
    ['an int-constrained parameter plus an optional one', 'GET', '/api/items/7/blue', 202, '{"id":7,"kind":"blue"}'],
    ['an optional parameter left out is absent', 'GET', '/api/items/7', 202, '{"id":7,"kind":null}'],
    ['a constraint that does not match is an unknown route', 'GET', '/api/items/seven', 404, /"detail":"no function's route matches GET \/api\/items\/seven /],
    ['an unknown route is 404', 'GET', '/api/nothing-here', 404, /"detail":"no function's route matches GET \/api\/nothing-here /],
    ['a known route with the wrong method is 405', 'POST', '/api/hello/world', 405, /"detail":"POST is not allowed on \/api\/hello\/world; it allows GET","allowed":\["GET"\]/],
    ['a path outside the route prefix is 404', 'GET', '/hello/world', 404, /"detail":"nothing is served at GET \/hello\/world: HTTP functions are under \/api\//],
    ['a handler that throws is 500 without the error text', 'GET', '/api/boom', 500, ''],
  ] as [string, string, string, number, string | RegExp][])('%s', async (_situation, method, path, status, body) => {
    const res = await api(path, { method });
    expect(res.status).toBe(status);
    if (typeof body === 'string') expect(await res.text()).toBe(body);
    else {
      // devhost's own 404/405: problem+json naming the method and path
      expect(await res.text()).toMatch(body);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('a 405 names the allowed methods', async () => {
    const res = await api('/api/hello/world', { method: 'DELETE' });
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toMatchObject({ status: 405, title: 'Method Not Allowed', allowed: ['GET'] });
  });

  it('the thrown error is logged, not returned', async () => {
    await api('/api/boom');
    expect(host.output()).toContain('secret-internal-detail');
    expect(host.output()).toMatch(/FAILED 'boom' \(Failed, Id=[0-9a-f-]+, Duration=[\d.]+ms\)/);
  });

  it('raw bytes, query, headers and catch-all params reach the handler unchanged', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const res = await api('/api/echo/a/b%20c?x=1&y=two', { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream', 'x-custom': 'yes' } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      method: 'PUT',
      query: { x: '1', y: 'two' },
      params: { rest: 'a/b c' },
      contentType: 'application/octet-stream',
      custom: 'yes',
      bodyBase64: bytes.toString('base64'),
    });
  });

  it('an HttpResponse result carries status and headers', async () => {
    const res = await api('/api/items/9');
    expect(res.headers.get('location')).toBe('/api/items/9');
  });

  it('every invocation is logged once with function, id, duration and outcome', async () => {
    await api('/api/hello/log-check');
    expect(host.output()).toMatch(/Executed 'hello' \(Succeeded, Id=[0-9a-f-]{36}, Duration=[\d.]+ms\)/);
  });
});

type Seen = { timers: { isPastDue: boolean }[]; events: { id: string; type: string; subject: string }[]; admin: unknown[] };
const seen = async () => (await (await api('/api/seen')).json()) as Seen;

describe('timer triggers', () => {
  it('runOnStartup runs once at start, then the NCRONTAB schedule (every second) keeps firing', async () => {
    const ticks = await eventually(async () => ((await seen()).timers.length >= 3 ? (await seen()).timers : undefined));
    expect(ticks[0].isPastDue).toBe(false); // the startup run; later ones only if the machine never stalls a second
  });
});

describe('admin invocation', () => {
  it.each([
    ['a non-HTTP function runs now with the given input (202)', 'adminOnly', { input: '{"hello":1}' }, 202],
    ['an unknown function is 404', 'nope', { input: '' }, 404],
    ['an HTTP function must be called by its route (400)', 'hello', { input: '' }, 400],
  ])('%s', async (_situation, name, body, status) => {
    const res = await api(`/admin/functions/${name}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(status);
  });

  it('the admin input reached the function', async () => {
    const admin = await eventually(async () => ((await seen()).admin.length ? (await seen()).admin : undefined));
    expect(admin).toContainEqual({ hello: 1 });
  });
});

describe('Event Grid webhook', () => {
  const hook = (query: string, body: unknown, headers: Record<string, string> = {}) =>
    api(`/runtime/webhooks/eventgrid${query}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const egEvent = (id: string, subject = '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe') => ({
    id,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    subject,
    eventTime: new Date().toISOString(),
    dataVersion: '2',
    topic: '/subscriptions/x',
    data: { operationName: 'Microsoft.Network/privateEndpoints/write' },
  });

  it('answers the subscription validation handshake with the code', async () => {
    const res = await hook('?functionName=onEvent', [{ id: 'v', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'CODE-123' } }], {
      'aeg-event-type': 'SubscriptionValidation',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: 'CODE-123' });
  });

  it('answers the CloudEvents OPTIONS handshake', async () => {
    const res = await api('/runtime/webhooks/eventgrid?functionName=onEvent', { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('invokes the function once per event in an Event Grid schema array', async () => {
    const res = await hook('?functionName=onEvent', [egEvent('eg-1'), egEvent('eg-2')], { 'aeg-event-type': 'Notification' });
    expect(res.status).toBe(200);
    const events = (await seen()).events.filter((e) => e.id.startsWith('eg-'));
    expect(events.map((e) => e.id)).toEqual(['eg-1', 'eg-2']);
  });

  it('accepts a single CloudEvent', async () => {
    const res = await hook('?functionName=onEvent', { specversion: '1.0', id: 'ce-1', type: 'Microsoft.Resources.ResourceDeleteSuccess', source: '/subscriptions/x', subject: '/s', data: {} });
    expect(res.status).toBe(200);
    expect((await seen()).events.map((e) => e.id)).toContain('ce-1');
  });

  it.each([
    ['an unknown function is 404', '?functionName=nope', [egEvent('x')], 404],
    ['a missing functionName is 400', '', [egEvent('x')], 400],
    ['a body that is not events is 400', '?functionName=onEvent', { hello: 'world' }, 400],
    ['a failing invocation is 500 so Event Grid retries', '?functionName=onEvent', [egEvent('poison-1', '/poison')], 500],
  ])('%s', async (_situation, query, body, status) => {
    expect((await hook(query as string, body)).status).toBe(status);
  });
});
