import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvocationContext, type HttpResponseInit } from '@azure/functions';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { AppRoles, type EntraSettings } from '../../core/auth';
import { checkEntraToken } from '../../functions/entra-token';
import { forwardsGet } from '../../functions/forwards-get';
import { forwardsPut } from '../../functions/forwards-put';
import { generateTls } from '../../tools/emulator/tls';
import { useEnv } from '../helpers/env';
import { hostRequest } from '../helpers/host-request';

/**
 * PLF_AUTH=entra, the app checking tokens itself (functions/auth.ts, functions/entra-token.ts), at
 * the handlers, with real tokens and real `jose`: keys generated here, the issuer's key set
 * served over HTTPS on loopback with a CA of its own, trusted through PLF_ARM_CA_FILE as on the
 * local stack. Each case reads its own key set URL, so no case sees another's cached keys.
 * Passing sign-in, a handler goes on to the registry, which is not configured: 503. That is
 * "let through"; 401/403 are sign-in's answers.
 */
const ISSUER = 'https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000e1/v2.0';
const AUDIENCE = '11111111-2222-3333-4444-555555555555';
const KID = 'key-a';

let server: https.Server;
let base = '';
let caFile = '';
/** Key set per path (default: key A only), and how often each path was fetched. */
const published = new Map<string, JWK[]>();
const fetches = new Map<string, number>();
/** Key set paths that answer 500 from now on (the issuer unreachable after a good fetch). */
const failing = new Set<string>();
let keyA: { privateKey: KeyLike; publicJwk: JWK };
let keyB: { privateKey: KeyLike; publicJwk: JWK };
let dir = '';

async function rsaKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig' } };
}

beforeAll(async () => {
  [keyA, keyB] = await Promise.all([rsaKey(KID), rsaKey('key-b')]);
  const tls = await generateTls();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-entra-'));
  caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, tls.caPem);
  server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const p = req.url ?? '/';
    fetches.set(p, (fetches.get(p) ?? 0) + 1);
    if (p.startsWith('/broken/') || failing.has(p)) {
      res.writeHead(500).end('{}');
      return;
    }
    const body = JSON.stringify({ keys: published.get(p) ?? [keyA.publicJwk] });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

useEnv({ PLF_AUTH: 'entra', AzureWebJobsStorage: undefined, AzureWebJobsStorage__tableServiceUri: undefined, AzureWebJobsStorage__accountName: undefined });

let caseNo = 0;
/** A key set URL of its own, and the environment that names it (the emulator's CA trusted as locally). */
function freshEnv(): { jwksPath: string; env: Record<string, string> } {
  const jwksPath = `/case-${++caseNo}/keys`;
  return { jwksPath, env: { PLF_AUTH_ISSUER: ISSUER, PLF_AUTH_AUDIENCE: AUDIENCE, PLF_AUTH_JWKS_URL: `${base}${jwksPath}`, PLF_ARM_ENDPOINT: 'https://127.0.0.1:1', PLF_ARM_CA_FILE: caFile } };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

interface TokenShape {
  roles?: string[];
  iss?: string;
  aud?: string;
  /** Seconds from now; null leaves exp out. */
  expIn?: number | null;
  nbfIn?: number;
  key?: KeyLike;
  kid?: string;
}
async function token(t: TokenShape = {}): Promise<string> {
  const iat = now();
  const jwt = new SignJWT({ ...(t.roles ? { roles: t.roles } : {}), ver: '2.0', tid: '00000000-0000-0000-0000-0000000000e1', oid: 'o1' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: t.kid ?? KID })
    .setIssuer(t.iss ?? ISSUER)
    .setAudience(t.aud ?? AUDIENCE)
    .setSubject('someone')
    .setIssuedAt(iat)
    .setNotBefore(iat + (t.nbfIn ?? 0));
  if (t.expIn !== null) jwt.setExpirationTime(iat + (t.expIn ?? 3600));
  return jwt.sign(t.key ?? keyA.privateKey);
}
const reader = () => token({ roles: [AppRoles.reader] });
const operator = () => token({ roles: [AppRoles.operator] });
/** A valid token whose payload is changed after signing (the signature no longer matches). */
async function tampered(): Promise<string> {
  const [h, , s] = (await reader()).split('.');
  return `${h}.${b64({ iss: ISSUER, aud: AUDIENCE, exp: now() + 3600, roles: [AppRoles.operator] })}.${s}`;
}
const algNone = () => `${b64({ alg: 'none', typ: 'JWT', kid: KID })}.${b64({ iss: ISSUER, aud: AUDIENCE, exp: now() + 3600, roles: [AppRoles.operator] })}.`;
/** HS256 "signed" with the issuer's public key as the secret (the algorithm-confusion attack). */
const hmacWithPublicKey = () =>
  new SignJWT({ roles: [AppRoles.operator] })
    .setProtectedHeader({ alg: 'HS256', kid: KID })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime(now() + 3600)
    .sign(Buffer.from(JSON.stringify(keyA.publicJwk)));
const forgedPrincipal = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: AppRoles.operator }], name_typ: 'name', role_typ: 'roles' })).toString('base64');

type Headers = Record<string, string>;
const bearer = (t: string): Headers => ({ authorization: `Bearer ${t}` });
const idToken = (t: string): Headers => ({ 'x-ms-token-aad-id-token': t });

/** GET or PUT /api/forwards/f1 through the real handler with `env` set for the call only; log lines go to `logs`. */
async function call(method: 'GET' | 'PUT', headers: Headers, env: Record<string, string>, logs: string[] = []): Promise<HttpResponseInit> {
  const context = new InvocationContext({ functionName: 'test', logHandler: (_level, ...args) => logs.push(args.join(' ')) });
  const body = method === 'PUT' ? JSON.stringify({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] }) : undefined;
  const request = hostRequest(method, 'http://127.0.0.1/api/forwards/f1', { name: 'f1' }, { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await (method === 'GET' ? forwardsGet : forwardsPut)(request, context);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const LET_THROUGH = 503;

describe('the API with PLF_AUTH=entra: who gets past sign-in', () => {
  it.each<[string, 'GET' | 'PUT', () => Promise<Headers> | Headers, number]>([
    ['a forged x-ms-client-principal with Forwards.Operate and no token: 401', 'PUT', () => ({ 'x-ms-client-principal': forgedPrincipal }), 401],
    ['a forged principal with Forwards.Operate beside a Forwards.Read token: the token decides, 403', 'PUT', async () => ({ 'x-ms-client-principal': forgedPrincipal, ...bearer(await reader()) }), 403],
    ['no token at all: 401', 'GET', () => ({}), 401],
    ['Authorization: Basic (not a bearer token): 401', 'GET', () => ({ authorization: 'Basic dXNlcjpwYXNz' }), 401],
    ['a Forwards.Read token GETs', 'GET', async () => bearer(await reader()), LET_THROUGH],
    ['a Forwards.Read token PUTs: 403', 'PUT', async () => bearer(await reader()), 403],
    ['a Forwards.Operate token PUTs', 'PUT', async () => bearer(await operator()), LET_THROUGH],
    ['a Forwards.Operate token GETs (operators may read)', 'GET', async () => bearer(await operator()), LET_THROUGH],
    ['a valid token without app roles: 403', 'GET', async () => bearer(await token()), 403],
    ['the scheme written in lower case (bearer ...)', 'GET', async () => ({ authorization: `bearer ${await reader()}` }), LET_THROUGH],
    ['a broken signature (payload changed after signing): 401', 'GET', async () => bearer(await tampered()), 401],
    ["signed by a key the issuer does not publish, under its key's id: 401", 'GET', async () => bearer(await token({ roles: [AppRoles.reader], key: keyB.privateKey })), 401],
    ['expired 2 minutes ago (beyond the 60 s of clock skew): 401', 'GET', async () => bearer(await token({ roles: [AppRoles.reader], expIn: -120 })), 401],
    ['expired 20 s ago (within the 60 s of clock skew)', 'GET', async () => bearer(await token({ roles: [AppRoles.reader], expIn: -20 })), LET_THROUGH],
    ['not valid before 5 minutes from now: 401', 'GET', async () => bearer(await token({ roles: [AppRoles.reader], nbfIn: 300 })), 401],
    ['no exp claim (a token that never expires): 401', 'GET', async () => bearer(await token({ roles: [AppRoles.reader], expIn: null })), 401],
    ['wrong audience (api://<client id>, what a v1 token carries): 401', 'GET', async () => bearer(await token({ roles: [AppRoles.reader], aud: `api://${AUDIENCE}` })), 401],
    ['wrong issuer (the v1 issuer https://sts.windows.net/<tenant>/): 401', 'GET', async () => bearer(await token({ roles: [AppRoles.reader], iss: 'https://sts.windows.net/00000000-0000-0000-0000-0000000000e1/' })), 401],
    ['an unknown key id (signed by a key not in the set): 401', 'GET', async () => bearer(await token({ roles: [AppRoles.reader], key: keyB.privateKey, kid: 'key-b' })), 401],
    ['alg none, unsigned, claiming Forwards.Operate: 401', 'PUT', () => bearer(algNone()), 401],
    ['HS256 with the public key as the secret: 401', 'PUT', async () => bearer(await hmacWithPublicKey()), 401],
    ['not a JWT at all: 401', 'GET', () => bearer('not.a.jwt'), 401],
    ["Easy Auth's x-ms-token-aad-id-token with Forwards.Read GETs", 'GET', async () => idToken(await reader()), LET_THROUGH],
    ["Easy Auth's id-token header with Forwards.Read PUTs: 403", 'PUT', async () => idToken(await reader()), 403],
    ["Easy Auth's id-token header with Forwards.Operate PUTs", 'PUT', async () => idToken(await operator()), LET_THROUGH],
    ["Easy Auth's id-token header, expired (the session outlived its ID token): 401", 'GET', async () => idToken(await token({ roles: [AppRoles.reader], expIn: -3600 })), 401],
    ["Easy Auth's id-token header, payload changed after signing: 401", 'GET', async () => idToken(await tampered()), 401],
    ['a bad bearer token beside a good id-token header: the bearer is the one checked, 401', 'GET', async () => ({ ...bearer(await tampered()), ...idToken(await reader()) }), 401],
  ])('%s', async (_situation, method, headers, status) => {
    const { env } = freshEnv();
    const res = await call(method, await headers(), env);
    expect(res.status).toBe(status);
    if (status === 401) expect((res.headers as Record<string, string>)['WWW-Authenticate']).toMatch(/^Bearer\b/);
  });

  it('a token refused for what it is says so in the challenge (RFC 6750 invalid_token), and the log says why, without the token', async () => {
    const logs: string[] = [];
    const t = await token({ roles: [AppRoles.reader], expIn: -120 });
    const res = await call('GET', bearer(t), freshEnv().env, logs);
    expect(res.status).toBe(401);
    expect((res.headers as Record<string, string>)['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
    expect(JSON.parse(res.body as string)).toMatchObject({ status: 401, detail: 'the token has expired: get a new one' });
    expect(logs.join('\n')).toMatch(/ERR_JWT_EXPIRED/);
    expect(logs.join('\n')).not.toContain(t.split('.')[2]);
  });
});

describe('PLF_AUTH=entra misconfigured or its keys unreachable: closed', () => {
  it.each([
    ['PLF_AUTH_ISSUER missing', { PLF_AUTH_ISSUER: '' }, 'PLF_AUTH_ISSUER is not set'],
    ['PLF_AUTH_AUDIENCE missing', { PLF_AUTH_AUDIENCE: '' }, 'PLF_AUTH_AUDIENCE is not set'],
    ['PLF_AUTH_JWKS_URL missing', { PLF_AUTH_JWKS_URL: '' }, 'PLF_AUTH_JWKS_URL is not set'],
    ['PLF_AUTH_JWKS_URL over plain http', { PLF_AUTH_JWKS_URL: 'http://127.0.0.1:1/keys' }, 'PLF_AUTH_JWKS_URL must be an https URL'],
  ])('%s: an operator token gets 401; the log names the setting, the answer does not', async (_situation, change, named) => {
    const logs: string[] = [];
    const res = await call('PUT', bearer(await operator()), { ...freshEnv().env, ...change }, logs);
    expect(res.status).toBe(401);
    expect(res.body as string).not.toMatch(/PLF_AUTH/);
    expect(logs.join('\n')).toContain(named);
  });

  it.each([
    ['nothing listens at the key set URL', () => ({ PLF_AUTH_JWKS_URL: 'https://127.0.0.1:1/keys' })],
    ['the key set URL answers 500', () => ({ PLF_AUTH_JWKS_URL: `${base}/broken/keys` })],
    ["the issuer's certificate is not trusted (no CA file)", () => ({ PLF_ARM_CA_FILE: '', PLF_ARM_ENDPOINT: '', PLF_AUTH_JWKS_URL: `${base}/case-untrusted/keys` })],
  ])('%s: 503 with Retry-After (try again), never let through', async (_situation, change) => {
    const logs: string[] = [];
    const res = await call('GET', bearer(await reader()), { ...freshEnv().env, ...change() }, logs);
    expect(res.status).toBe(503);
    expect((res.headers as Record<string, string>)['Retry-After']).toBe('30');
    expect(logs.join('\n')).toMatch(/key set at https:\/\/127\.0\.0\.1:\d+\/\S+ could not be used/);
  });
});

describe("the issuer's key set: cached, fetched again for an unknown key id, within a cooldown", () => {
  const settings = (jwksPath: string): EntraSettings => ({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: `${base}${jwksPath}` });

  it('ten tokens, one fetch', async () => {
    const { jwksPath } = freshEnv();
    for (let i = 0; i < 10; i++) expect(await checkEntraToken(await reader(), settings(jwksPath), { caFile })).toEqual({ ok: true, roles: [AppRoles.reader] });
    expect(fetches.get(jwksPath)).toBe(1);
  });

  it('a token naming a key id the set does not hold: the set is fetched again once, and the token still refused', async () => {
    const { jwksPath } = freshEnv();
    expect((await checkEntraToken(await reader(), settings(jwksPath), { caFile, cooldownMs: 0 })).ok).toBe(true);
    const unknown = await checkEntraToken(await token({ roles: [AppRoles.reader], key: keyB.privateKey, kid: 'key-b' }), settings(jwksPath), { caFile, cooldownMs: 0 });
    expect(unknown).toMatchObject({ ok: false, why: 'invalid', reason: expect.stringMatching(/ERR_JWKS_NO_MATCHING_KEY/) });
    expect(fetches.get(jwksPath)).toBe(2);
  });

  it('a key the issuer published after the last fetch (a rollover): fetched again, then taken', async () => {
    const { jwksPath } = freshEnv();
    expect((await checkEntraToken(await reader(), settings(jwksPath), { caFile, cooldownMs: 0 })).ok).toBe(true);
    published.set(jwksPath, [keyA.publicJwk, keyB.publicJwk]);
    expect(await checkEntraToken(await token({ roles: [AppRoles.operator], key: keyB.privateKey, kid: 'key-b' }), settings(jwksPath), { caFile, cooldownMs: 0 })).toEqual({ ok: true, roles: [AppRoles.operator] });
    expect(fetches.get(jwksPath)).toBe(2);
  });

  it('within the cooldown (30 s by default) unknown key ids cause no fetch: made-up kids cannot hammer the issuer', async () => {
    const { jwksPath } = freshEnv();
    expect((await checkEntraToken(await reader(), settings(jwksPath), { caFile })).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect((await checkEntraToken(await token({ roles: [AppRoles.reader], key: keyB.privateKey, kid: `made-up-${i}` }), settings(jwksPath), { caFile })).ok).toBe(false);
    expect(fetches.get(jwksPath)).toBe(1);
  });

  it('the issuer fails after a good fetch: tokens are checked against the last good keys, and it is not asked again within the pause', async () => {
    const { jwksPath } = freshEnv();
    const opts = { caFile, cooldownMs: 0, cacheMaxAgeMs: 0 };
    expect((await checkEntraToken(await reader(), settings(jwksPath), opts)).ok).toBe(true);
    failing.add(jwksPath);
    expect(await checkEntraToken(await reader(), settings(jwksPath), opts)).toEqual({ ok: true, roles: [AppRoles.reader] });
    expect(fetches.get(jwksPath)).toBe(2);
    expect(await checkEntraToken(await reader(), settings(jwksPath), opts)).toEqual({ ok: true, roles: [AppRoles.reader] });
    expect(await checkEntraToken(await token({ roles: [AppRoles.reader], key: keyB.privateKey, kid: 'key-b' }), settings(jwksPath), opts)).toMatchObject({ ok: false, why: 'invalid' });
    expect(fetches.get(jwksPath)).toBe(2);
  });

  it('the issuer fails with no key set ever fetched: keys-unavailable (answered 503)', async () => {
    const { jwksPath } = freshEnv();
    failing.add(jwksPath);
    expect(await checkEntraToken(await reader(), settings(jwksPath), { caFile })).toMatchObject({ ok: false, why: 'keys-unavailable' });
  });
});
