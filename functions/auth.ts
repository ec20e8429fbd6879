import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { authMode, authorize, type Need } from '../core/auth';
import { problem } from './problem';

/**
 * The principal App Service authentication passes on: header `x-ms-client-principal`, base64
 * JSON `{auth_typ, name_typ, role_typ, claims: [{typ, val}]}`; app roles are the claims of type
 * `roles` (or of the principal's `role_typ`). Read only when PLF_AUTH=easyauth (core/auth.ts).
 * Returns undefined when there is no (readable) principal.
 */
export function principalRoles(header: string | null): string[] | undefined {
  if (!header) return undefined;
  try {
    const p = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { role_typ?: unknown; claims?: unknown };
    if (!Array.isArray(p.claims)) return undefined;
    const roleTypes = new Set(['roles', ...(typeof p.role_typ === 'string' ? [p.role_typ] : [])]);
    return p.claims.flatMap((c: { typ?: unknown; val?: unknown }) => (typeof c?.typ === 'string' && roleTypes.has(c.typ) && typeof c.val === 'string' ? [c.val] : []));
  } catch {
    return undefined;
  }
}

/** undefined when the caller may go on; else the 401/403 problem to answer. */
export function denied(request: HttpRequest, need: Need, env: Readonly<Record<string, string | undefined>> = process.env): HttpResponseInit | undefined {
  const mode = authMode(env);
  const decision = authorize(mode, need, mode === 'easyauth' ? principalRoles(request.headers.get('x-ms-client-principal')) : undefined);
  if (decision.ok) return undefined;
  const res = problem(decision.status, decision.status === 401 ? 'Unauthorized' : 'Forbidden', decision.detail);
  if (decision.status === 401) res.headers = { ...(res.headers as Record<string, string>), 'WWW-Authenticate': 'Bearer' };
  return res;
}
