import { HttpRequest, InvocationContext } from '@azure/functions';
import { authMode, authorize, AppRoles, entraSettings, rolesOf, type Caller } from '../../core/auth';
import { health } from '../../functions/health';

/**
 * Sign-in decisions (core/auth.ts), pure: with PLF_AUTH=entra a caller whose token was checked
 * may GET with Forwards.Read or Forwards.Operate and PUT/POST/DELETE with Forwards.Operate only;
 * no usable token is 401, a missing role 403, unreadable signing keys 503. PLF_AUTH=off (the
 * local stack) lets everything through; anything else refuses everything. The handlers with real
 * tokens: test/unit/entra-sign-in.test.ts.
 */
const signedIn = (roles: string[]): Caller => ({ signedIn: true, roles });
const refused = (why: Extract<Caller, { signedIn: false }>['why']): Caller => ({ signedIn: false, why });

describe('core authorize', () => {
  it.each([
    ['sign-in off: anything goes', 'off', 'operator', undefined, true],
    ['PLF_AUTH unset: refused even with a role', 'unset', 'reader', signedIn([AppRoles.operator]), 401],
    ['entra, no token', 'entra', 'reader', refused('no-token'), 401],
    ['entra, an expired token', 'entra', 'reader', refused('expired'), 401],
    ['entra, a token that fails its checks', 'entra', 'operator', refused('invalid'), 401],
    ['entra, settings missing', 'entra', 'reader', refused('not-configured'), 401],
    ['entra, the signing keys cannot be read', 'entra', 'reader', refused('keys-unavailable'), 503],
    ['entra, signed in without roles', 'entra', 'reader', signedIn([]), 403],
    ['entra, a reader reads', 'entra', 'reader', signedIn([AppRoles.reader]), true],
    ['entra, an operator reads', 'entra', 'reader', signedIn([AppRoles.operator]), true],
    ['entra, a reader writes', 'entra', 'operator', signedIn([AppRoles.reader]), 403],
    ['entra, an operator writes', 'entra', 'operator', signedIn([AppRoles.operator]), true],
    ['entra, a role of another app (case differs)', 'entra', 'reader', signedIn(['forwards.read']), 403],
  ] as const)('%s', (_situation, mode, need, caller, expected) => {
    const d = authorize(mode, need, caller);
    expect(d.ok ? true : d.status).toBe(expected);
  });

  it('the mode is explicit: only entra and off are understood (easyauth, the old mode, is closed)', () => {
    expect(authMode({ PLF_AUTH: 'Entra' })).toBe('entra');
    expect(authMode({ PLF_AUTH: 'off' })).toBe('off');
    expect(authMode({})).toBe('unset');
    expect(authMode({ PLF_AUTH: 'easyauth' })).toBe('unset');
    expect(authMode({ PLF_AUTH: 'false' })).toBe('unset');
  });

  it.each([
    ['all three set', { PLF_AUTH_ISSUER: 'https://i/v2.0', PLF_AUTH_AUDIENCE: 'a', PLF_AUTH_JWKS_URL: 'https://i/keys' }, []],
    ['none set: each named', {}, ['PLF_AUTH_ISSUER is not set', 'PLF_AUTH_AUDIENCE is not set', 'PLF_AUTH_JWKS_URL is not set']],
    ['blank audience', { PLF_AUTH_ISSUER: 'https://i/v2.0', PLF_AUTH_AUDIENCE: ' ', PLF_AUTH_JWKS_URL: 'https://i/keys' }, ['PLF_AUTH_AUDIENCE is not set']],
    ['keys over plain http', { PLF_AUTH_ISSUER: 'https://i/v2.0', PLF_AUTH_AUDIENCE: 'a', PLF_AUTH_JWKS_URL: 'http://i/keys' }, ['PLF_AUTH_JWKS_URL must be an https URL, got "http://i/keys"']],
    ['keys not a URL', { PLF_AUTH_ISSUER: 'https://i/v2.0', PLF_AUTH_AUDIENCE: 'a', PLF_AUTH_JWKS_URL: 'keys' }, ['PLF_AUTH_JWKS_URL must be an https URL, got "keys"']],
  ])('entra settings, %s', (_situation, env, problems) => {
    const r = entraSettings(env);
    expect(r.ok ? [] : r.problems).toEqual(problems);
  });

  it.each([
    ['a roles array', { roles: [AppRoles.reader, 'Other'] }, [AppRoles.reader, 'Other']],
    ['no roles claim', {}, []],
    ['a single string is not an array (Entra always sends an array)', { roles: AppRoles.operator }, []],
    ['non-strings dropped', { roles: [AppRoles.reader, 7, null] }, [AppRoles.reader]],
  ])('roles of %s', (_situation, claims, roles) => {
    expect(rolesOf(claims)).toEqual(roles);
  });
});

describe('GET /api/health (anonymous)', () => {
  const saved = process.env.PLF_AUTH;
  afterEach(() => {
    if (saved === undefined) delete process.env.PLF_AUTH;
    else process.env.PLF_AUTH = saved;
  });
  it.each([
    ['deployed (sign-in on): status and version only', 'entra', ['status', 'version']],
    ['sign-in unset: status and version only', undefined, ['status', 'version']],
    ['the local stack (sign-in off): also Node.js, ARM endpoint and storage', 'off', ['arm', 'node', 'status', 'storage', 'version']],
  ])('%s', async (_situation, mode, keys) => {
    if (mode === undefined) delete process.env.PLF_AUTH;
    else process.env.PLF_AUTH = mode;
    const r = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), new InvocationContext());
    expect(Object.keys(r.jsonBody as object).sort()).toEqual(keys);
  });
});
