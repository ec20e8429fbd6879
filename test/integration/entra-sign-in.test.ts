import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { AppRoles } from '../../core/auth';
import { ROOT, startStack, type Stack } from './helpers/stack';

/**
 * Sign-in end to end: the compiled app in devhost with PLF_AUTH=entra, checking tokens of the
 * emulator's local Entra ID issuer (keys fetched over the emulator's HTTPS with its CA), minted
 * as `npm run token` mints them (Stack.token -> tools/devhost/local-token.ts). One stack for the
 * file; each case that writes uses a forward of its own.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown>;
const spec = { ...example, nodes: { count: 1 } };
const forged = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: AppRoles.operator }], name_typ: 'name', role_typ: 'roles' })).toString('base64');
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  s = await startStack({ PLF_AUTH: 'entra' });
}, 90_000);
afterAll(() => s?.stop());

describe('PLF_AUTH=entra on the local stack', () => {
  it.each<[string, 'GET' | 'PUT', string, () => Promise<Record<string, string>>, number]>([
    ['no token: 401', 'GET', '/api/forwards', async () => ({}), 401],
    ['a forged x-ms-client-principal with Forwards.Operate: 401', 'PUT', '/api/forwards/forged', async () => ({ 'x-ms-client-principal': forged }), 401],
    ['a Forwards.Read token GETs', 'GET', '/api/forwards', async () => bearer(await s.token([AppRoles.reader])), 200],
    ['a Forwards.Read token PUTs: 403', 'PUT', '/api/forwards/reader-put', async () => bearer(await s.token([AppRoles.reader])), 403],
    ['a Forwards.Operate token PUTs', 'PUT', '/api/forwards/operator-put', async () => bearer(await s.token([AppRoles.operator])), 202],
    ['a token expired 10 minutes ago: 401', 'GET', '/api/forwards', async () => bearer(await s.token([AppRoles.reader], { now: new Date(Date.now() - 70 * 60_000) })), 401],
    ['a token for another audience: 401', 'GET', '/api/forwards', async () => bearer(await s.token([AppRoles.reader], { audience: 'api://someone-else' })), 401],
    ['a token of another issuer: 401', 'GET', '/api/forwards', async () => bearer(await s.token([AppRoles.reader], { issuer: 'https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000e1/v2.0' })), 401],
    [
      'a token signed by a key the issuer never published: 401',
      'GET',
      '/api/forwards',
      async () => bearer(await s.token([AppRoles.operator], { key: { kid: 'stranger', privateKeyPem: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } })),
      401,
    ],
    ["Easy Auth's id-token header with Forwards.Read GETs", 'GET', '/api/forwards', async () => ({ 'x-ms-token-aad-id-token': await s.token([AppRoles.reader]) }), 200],
    ["Easy Auth's id-token header with Forwards.Read PUTs: 403", 'PUT', '/api/forwards/id-token-put', async () => ({ 'x-ms-token-aad-id-token': await s.token([AppRoles.reader]) }), 403],
  ])('%s', async (_situation, method, p, headers, status) => {
    const r = await s.api(method, p, method === 'PUT' ? spec : undefined, await headers());
    expect({ status: r.status, body: r.body }).toMatchObject({ status });
  });

  it('the status page for a browser session (the id-token header): the page, with sign-in and sign-out links', async () => {
    const r = await fetch(`${s.url}/api/ui`, { headers: { 'x-ms-token-aad-id-token': await s.token([AppRoles.reader]) } });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('href="/.auth/logout"');
    const asBearer = await fetch(`${s.url}/api/ui`, { headers: bearer(await s.token([AppRoles.reader])) });
    expect(asBearer.status).toBe(200);
    expect(await asBearer.text()).not.toContain('href="/.auth/logout"');
  });

  it.each([
    ['/api/health', 200],
    ['/api/openapi.json', 200],
    ['/api/ui', 401],
  ])('%s without a token -> %s', async (p, status) => {
    expect((await fetch(`${s.url}${p}`)).status).toBe(status);
  });
});
