/**
 * Who may call the forwards API. Pure: the caller hands over the sign-in mode (PLF_AUTH) and the
 * app roles of the principal that App Service authentication (Easy Auth) passed on; the header
 * parsing lives in functions/auth.ts.
 *
 * - `easyauth`: Entra ID sign-in is on in front of the app (infra/main.bicep, authsettingsV2), so
 *   the principal header is Easy Auth's own (it drops one a client sends). No principal -> 401;
 *   a principal without the role -> 403.
 * - `off`: no sign-in (the local stack sets this explicitly); every call is allowed.
 * - anything else, or unset: nothing is trusted and every call is refused (401), so a deployment
 *   that forgot the setting is closed, not open.
 */
export type AuthMode = 'easyauth' | 'off' | 'unset';

/** App role values of the app registration (README "Deploy to Azure"); infra/app-roles.json declares the same ones for the registration azd creates (test/unit/app-registration.test.ts). Operators may also read. */
export const AppRoles = { reader: 'Forwards.Read', operator: 'Forwards.Operate' } as const;
export type Need = keyof typeof AppRoles;

export type AuthDecision = { ok: true } | { ok: false; status: 401 | 403; detail: string };

export function authMode(env: Readonly<Record<string, string | undefined>>): AuthMode {
  const v = env.PLF_AUTH?.trim().toLowerCase();
  return v === 'easyauth' || v === 'off' ? v : 'unset';
}

/** `roles` undefined = no principal at all. */
export function authorize(mode: AuthMode, need: Need, roles: readonly string[] | undefined): AuthDecision {
  if (mode === 'off') return { ok: true };
  if (mode === 'unset') return { ok: false, status: 401, detail: 'sign-in is not configured (PLF_AUTH): every call is refused' };
  if (roles === undefined) return { ok: false, status: 401, detail: 'sign in with Microsoft Entra ID (a bearer token for the app) to call this API' };
  const granted = need === 'reader' ? [AppRoles.reader, AppRoles.operator] : [AppRoles.operator];
  if (roles.some((r) => (granted as readonly string[]).includes(r))) return { ok: true };
  return { ok: false, status: 403, detail: `this call needs the app role ${AppRoles[need]}` };
}
