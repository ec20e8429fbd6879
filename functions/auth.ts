import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { armTarget } from '../core/app-settings';
import { authMode, authorize, entraSettings, type Caller, type Need } from '../core/auth';
import { checkEntraToken, KEY_FETCH_PAUSE_MS } from './entra-token';
import { problem } from './problem';

/**
 * The caller's token, from the first of:
 * - `Authorization: Bearer <token>` (RFC 6750 2.1; the scheme's case does not matter): API
 *   clients, scripts, `npm run token`'s local tokens.
 * - `x-ms-token-aad-id-token`: a browser session. With App Service authentication in front and its
 *   token store on, a signed-in browser sends only its session cookie (`AppServiceAuthSession`,
 *   same-origin: the status page's own fetches carry it, functions/ui-page.ts), and Easy Auth
 *   passes the session's Entra ID token on in this header ("Microsoft Entra:
 *   X-MS-TOKEN-AAD-ID-TOKEN", learn.microsoft.com/azure/app-service/configure-authentication-oauth-tokens).
 *   It is a v2 ID token for the app registration (issuer the tenant's v2 issuer, `aud` the client
 *   id, the user's app roles in `roles`), so it is checked by exactly the same rules as a bearer
 *   token; a client that sends the header itself gains nothing a bearer token would not give it.
 *   The ID token lives about an hour while the session lives longer: once it has expired the page
 *   answers 401 and offers the sign-in again (core/auth.ts BROWSER_SIGN_IN).
 * A bearer token, when there is one, is the only one looked at. `x-ms-client-principal` never is.
 */
export function tokenOf(request: HttpRequest): { token: string; from: 'bearer' | 'easy-auth-id-token' } | undefined {
  const bearer = /^Bearer(?:\s+(.*))?$/i.exec(request.headers.get('authorization')?.trim() ?? '');
  if (bearer) return bearer[1]?.trim() ? { token: bearer[1].trim(), from: 'bearer' } : undefined;
  const idToken = request.headers.get('x-ms-token-aad-id-token')?.trim();
  return idToken ? { token: idToken, from: 'easy-auth-id-token' } : undefined;
}

/**
 * undefined when the caller may go on; else the problem to answer: 401 (no usable token, or
 * sign-in not configured), 403 (signed in without the app role `need` calls for), 503 (the
 * issuer's keys could not be read). Why a token or the settings were refused goes to the log
 * (which setting is missing, jose's reason), never into the answer.
 */
export async function denied(request: HttpRequest, context: InvocationContext, need: Need, env: Readonly<Record<string, string | undefined>> = process.env): Promise<HttpResponseInit | undefined> {
  const mode = authMode(env);
  let caller: Caller | undefined;
  if (mode === 'unset') warnOnce(context, 'sign-in: PLF_AUTH is neither entra nor off: every API call is refused (401)');
  if (mode === 'entra') caller = await signIn(request, context, env);
  const decision = authorize(mode, need, caller);
  if (decision.ok) return undefined;
  const res = problem(decision.status, { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Sign-in unavailable' }[decision.status], decision.detail);
  if (decision.status === 503) res.headers = { ...(res.headers as Record<string, string>), 'Retry-After': String(KEY_FETCH_PAUSE_MS / 1000) };
  if (decision.status === 401) res.headers = { ...(res.headers as Record<string, string>), 'WWW-Authenticate': decision.invalidToken ? 'Bearer error="invalid_token"' : 'Bearer' };
  return res;
}

async function signIn(request: HttpRequest, context: InvocationContext, env: Readonly<Record<string, string | undefined>>): Promise<Caller> {
  const parsed = entraSettings(env);
  if (!parsed.ok) {
    warnOnce(context, `sign-in: PLF_AUTH=entra but ${parsed.problems.join('; ')}: every API call is refused (401)`);
    return { signedIn: false, why: 'not-configured' };
  }
  const found = tokenOf(request);
  if (!found) return { signedIn: false, why: 'no-token' };
  const target = armTarget(env);
  const checked = await checkEntraToken(found.token, parsed.settings, target.kind === 'emulator' && target.caFile ? { caFile: target.caFile } : {});
  if (checked.ok) return { signedIn: true, roles: checked.roles };
  if (checked.why === 'keys-unavailable') context.error(`sign-in: ${checked.reason}`);
  else context.log(`sign-in: the token (${found.from}) was refused: ${checked.reason}`);
  return { signedIn: false, why: checked.why };
}

/** A configuration problem is said once per app instance (and setting), not on every call. */
const warned = new Set<string>();
function warnOnce(context: InvocationContext, message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  context.warn(message);
}
