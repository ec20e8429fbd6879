/**
 * Who may call the forwards API. Pure: the caller hands over the sign-in mode (PLF_AUTH), the
 * sign-in settings and what the token check found (functions/auth.ts reads the headers,
 * functions/entra-token.ts checks the token with `jose`).
 *
 * - `entra`: the app checks a Microsoft Entra ID token itself on every call, whatever is in front
 *   of it: signature (the issuer's signing keys from PLF_AUTH_JWKS_URL), issuer (PLF_AUTH_ISSUER),
 *   audience (PLF_AUTH_AUDIENCE), expiry (CLOCK_TOLERANCE_SECONDS of skew), then the app roles of
 *   its `roles` claim. No usable token -> 401; a token without the role -> 403. A missing setting
 *   closes the app (401 to every call; the log names the setting, the answer does not).
 * - `off`: no sign-in (the local stack's default, said explicitly); every call is allowed.
 * - anything else, or unset: nothing is trusted and every call is refused (401), so a deployment
 *   that forgot the setting is closed, not open.
 *
 * Only v2 tokens are taken (the app registration asks for them: requestedAccessTokenVersion 2):
 * a v2 access token carries `aud` = the app's client id and `iss` =
 * `https://login.microsoftonline.com/<tenant id>/v2.0`; a v1 token (`aud` `api://<client id>`,
 * `iss` `https://sts.windows.net/<tenant id>/`) fails the issuer check. The v2 ID token Easy Auth
 * keeps for a browser session has the same issuer and `aud` = the client id, and carries the
 * user's app roles too (Microsoft Graph, appRoleAssignment: an assigned role's value "is included
 * in the roles claim of tokens where the subject is the assigned principal (for example ... ID
 * tokens, access tokens ...)", learn.microsoft.com/graph/api/resources/approleassignment).
 * `x-ms-client-principal` is never read: App Service strips a client's copy only while Easy Auth
 * fronts the app (learn.microsoft.com/azure/app-service/configure-authentication-user-identities).
 */
export type AuthMode = 'entra' | 'off' | 'unset';

/** App role values of the app registration (README "Deploy to Azure"); infra/app-roles.json declares the same ones for the registration azd creates (test/unit/app-registration.test.ts). Operators may also read. */
export const AppRoles = { reader: 'Forwards.Read', operator: 'Forwards.Operate' } as const;
export type Need = keyof typeof AppRoles;

/**
 * Seconds of clock skew allowed on `exp` and `nbf` (RFC 7519 4.1.4/4.1.5 allow "some small leeway"):
 * a token is still taken up to 60 s after it expired, and 60 s before its not-before time, so a
 * caller whose clock is a little off is not refused at the edges of the token's life.
 */
export const CLOCK_TOLERANCE_SECONDS = 60;

/** The signing algorithm Entra ID signs its tokens with (openid-configuration `id_token_signing_alg_values_supported`: ["RS256"]); nothing else is accepted, `none` least of all. */
export const TOKEN_ALGORITHMS = ['RS256'] as const;

/** Where the token is issued, for whom, and where the issuer's signing keys are (all three required in `entra` mode). */
export interface EntraSettings {
  /** PLF_AUTH_ISSUER, compared exactly with `iss`. Azure: `https://login.microsoftonline.com/<tenant id>/v2.0`. */
  issuer: string;
  /** PLF_AUTH_AUDIENCE, compared exactly with `aud`. Azure: the app registration's client id. */
  audience: string;
  /** PLF_AUTH_JWKS_URL, an https URL. Azure: `https://login.microsoftonline.com/<tenant id>/discovery/v2.0/keys`. */
  jwksUrl: string;
}

/** What the token check found out about the caller. */
export type Caller =
  | { signedIn: true; roles: readonly string[] }
  | { signedIn: false; why: 'no-token' | 'expired' | 'invalid' | 'not-configured' | 'keys-unavailable' };

export type AuthDecision = { ok: true } | { ok: false; status: 401 | 403 | 503; detail: string; invalidToken?: boolean };

/** The browser sign-in of App Service authentication, back to the status page (infra: Easy Auth in front, main.bicep's sign-in output). */
export const BROWSER_SIGN_IN = '/.auth/login/aad?post_login_redirect_uri=/api/ui';

export function authMode(env: Readonly<Record<string, string | undefined>>): AuthMode {
  const v = env.PLF_AUTH?.trim().toLowerCase();
  return v === 'entra' || v === 'off' ? v : 'unset';
}

/** The `entra` settings, or every problem with them (each names its setting: for the log, never for the caller). */
export function entraSettings(env: Readonly<Record<string, string | undefined>>): { ok: true; settings: EntraSettings } | { ok: false; problems: string[] } {
  const issuer = env.PLF_AUTH_ISSUER?.trim();
  const audience = env.PLF_AUTH_AUDIENCE?.trim();
  const jwksUrl = env.PLF_AUTH_JWKS_URL?.trim();
  const problems = [
    ...(issuer ? [] : ['PLF_AUTH_ISSUER is not set']),
    ...(audience ? [] : ['PLF_AUTH_AUDIENCE is not set']),
    ...(jwksUrl ? (isHttpsUrl(jwksUrl) ? [] : [`PLF_AUTH_JWKS_URL must be an https URL, got "${jwksUrl}"`]) : ['PLF_AUTH_JWKS_URL is not set']),
  ];
  return problems.length ? { ok: false, problems } : { ok: true, settings: { issuer: issuer!, audience: audience!, jwksUrl: jwksUrl! } };
}

function isHttpsUrl(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The app roles of a verified token's claims: the strings of its `roles` array (none when absent or not an array). */
export function rolesOf(claims: Readonly<Record<string, unknown>>): string[] {
  return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
}

const DETAILS: Record<Exclude<Caller, { signedIn: true }>['why'], string> = {
  'no-token': `sign in with Microsoft Entra ID to call this API: send a token for the app (Authorization: Bearer <token>), or in a browser sign in at ${BROWSER_SIGN_IN}`,
  expired: 'the token has expired: get a new one',
  invalid: 'the token is not valid for this API',
  'not-configured': 'sign-in is not configured on this app: every call is refused',
  'keys-unavailable': "the sign-in keys could not be read to check the token; try again",
};

/** `caller` undefined: no sign-in was attempted (modes `off` and `unset`). */
export function authorize(mode: AuthMode, need: Need, caller: Caller | undefined): AuthDecision {
  if (mode === 'off') return { ok: true };
  if (mode === 'unset' || !caller) return { ok: false, status: 401, detail: DETAILS['not-configured'] };
  if (!caller.signedIn) {
    if (caller.why === 'keys-unavailable') return { ok: false, status: 503, detail: DETAILS[caller.why] };
    return { ok: false, status: 401, detail: DETAILS[caller.why], ...(caller.why === 'expired' || caller.why === 'invalid' ? { invalidToken: true } : {}) };
  }
  const granted = need === 'reader' ? [AppRoles.reader, AppRoles.operator] : [AppRoles.operator];
  if (caller.roles.some((r) => (granted as readonly string[]).includes(r))) return { ok: true };
  return { ok: false, status: 403, detail: `this call needs the app role ${AppRoles[need]}` };
}
