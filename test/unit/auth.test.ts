import { HttpRequest, InvocationContext } from '@azure/functions';
import { authMode, authorize, AppRoles } from '../../core/auth';
import { principalRoles } from '../../functions/auth';
import { forwardsDelete } from '../../functions/forwards-delete';
import { forwardsGet } from '../../functions/forwards-get';
import { forwardsList } from '../../functions/forwards-list';
import { forwardsPut } from '../../functions/forwards-put';
import { health } from '../../functions/health';

/**
 * Sign-in: with PLF_AUTH=easyauth the functions read the app roles from the principal Easy Auth
 * passes on (x-ms-client-principal): readers may GET, only operators may PUT/DELETE; no principal
 * is 401, a missing role 403. PLF_AUTH=off (the local stack) lets everything through; unset
 * refuses everything.
 */
const principal = (roles: string[], roleTyp = 'roles') =>
  Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: roleTyp, claims: [{ typ: 'name', val: 'someone' }, ...roles.map((r) => ({ typ: roleTyp, val: r }))] })).toString('base64');

describe('core authorize', () => {
  it.each([
    ['off', 'operator', undefined, true],
    ['unset', 'reader', [AppRoles.operator], 401],
    ['easyauth', 'reader', undefined, 401],
    ['easyauth', 'reader', [], 403],
    ['easyauth', 'reader', [AppRoles.reader], true],
    ['easyauth', 'reader', [AppRoles.operator], true],
    ['easyauth', 'operator', [AppRoles.reader], 403],
    ['easyauth', 'operator', [AppRoles.operator], true],
  ] as const)('mode %s, needs %s, roles %j -> %s', (mode, need, roles, expected) => {
    const d = authorize(mode, need, roles);
    expect(d.ok ? true : d.status).toBe(expected);
  });

  it('the mode is explicit: only easyauth and off are understood', () => {
    expect(authMode({ PLF_AUTH: 'EasyAuth' })).toBe('easyauth');
    expect(authMode({ PLF_AUTH: 'off' })).toBe('off');
    expect(authMode({})).toBe('unset');
    expect(authMode({ PLF_AUTH: 'false' })).toBe('unset');
  });
});

describe('principal header', () => {
  it('reads roles claims, also under a custom role_typ, and nothing from garbage', () => {
    expect(principalRoles(principal([AppRoles.reader]))).toEqual([AppRoles.reader]);
    expect(principalRoles(principal([AppRoles.operator], 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'))).toEqual([AppRoles.operator]);
    expect(principalRoles(null)).toBeUndefined();
    expect(principalRoles('not base64 json')).toBeUndefined();
  });
});

describe('the API with PLF_AUTH=easyauth', () => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.PLF_AUTH;
    process.env.PLF_AUTH = 'easyauth';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.PLF_AUTH;
    else process.env.PLF_AUTH = saved;
  });
  const request = (method: string, headers: Record<string, string> = {}) =>
    new HttpRequest({ method, url: 'http://127.0.0.1/api/forwards/f1', params: { name: 'f1' }, headers: { 'content-type': 'application/json', ...headers }, body: { string: JSON.stringify({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] }) } });
  const context = () => new InvocationContext({ functionName: 'test' });

  it('a reader cannot PUT or DELETE (403), without touching the registry', async () => {
    const h = { 'x-ms-client-principal': principal([AppRoles.reader]) };
    for (const handler of [forwardsPut, forwardsDelete]) {
      const res = await handler(request(handler === forwardsPut ? 'PUT' : 'DELETE', h), context());
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body as string)).toMatchObject({ status: 403, title: 'Forbidden' });
    }
  });

  it('no principal is 401 on every forwards route, with a Bearer challenge', async () => {
    for (const [handler, method] of [[forwardsPut, 'PUT'], [forwardsDelete, 'DELETE'], [forwardsGet, 'GET'], [forwardsList, 'GET']] as const) {
      const res = await handler(request(method), context());
      expect(res.status).toBe(401);
      expect((res.headers as Record<string, string>)['WWW-Authenticate']).toBe('Bearer');
    }
  });

  it('a reader gets past the check on GET, an operator on PUT (then the unset store answers 503)', async () => {
    const env = { ...process.env };
    delete process.env.AzureWebJobsStorage;
    try {
      const c = context();
      jest.spyOn(c, 'error').mockImplementation(() => undefined);
      expect((await forwardsGet(request('GET', { 'x-ms-client-principal': principal([AppRoles.reader]) }), c)).status).toBe(503);
      expect((await forwardsPut(request('PUT', { 'x-ms-client-principal': principal([AppRoles.operator]) }), c)).status).toBe(503);
    } finally {
      Object.assign(process.env, env);
    }
  });
});

describe('GET /api/health (anonymous)', () => {
  const saved = process.env.PLF_AUTH;
  afterEach(() => {
    if (saved === undefined) delete process.env.PLF_AUTH;
    else process.env.PLF_AUTH = saved;
  });
  it.each([
    ['deployed (sign-in on): status and version only', 'easyauth', ['status', 'version']],
    ['sign-in unset: status and version only', undefined, ['status', 'version']],
    ['the local stack (sign-in off): also Node.js, ARM endpoint and storage', 'off', ['arm', 'node', 'status', 'storage', 'version']],
  ])('%s', async (_situation, mode, keys) => {
    if (mode === undefined) delete process.env.PLF_AUTH;
    else process.env.PLF_AUTH = mode;
    const r = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), new InvocationContext());
    expect(Object.keys(r.jsonBody as object).sort()).toEqual(keys);
  });
});
