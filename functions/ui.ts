import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { ForwardRegistry } from '../store/forward-registry';
import { statusOf } from './forward-view';
import { authMode } from '../core/auth';
import { needsAttention } from '../core/status';
import { denied, tokenOf } from './auth';
import { FunctionNames } from './names';
import { problem } from './problem';
import { badRequest, queryValues } from './request-checks';
import { renderStatusPage, type ForwardSummary } from './ui-page';

/**
 * GET /api/ui: the status page, with every forward's summary rendered on the server. It takes no
 * query parameter (400 naming one). An API route like the others: it needs Forwards.Read, checked
 * by functions/auth.ts on the token of the call. A browser signed in through App Service
 * authentication sends its session cookie; Easy Auth (token store on) passes the session's Entra
 * ID token on in `x-ms-token-aad-id-token`, which the app checks as it checks a bearer token. The
 * page's own fetches are same-origin, so they carry the same cookie (functions/ui-page.ts). The
 * sign-in and sign-out links are shown when the page was reached that way (they are Easy Auth's
 * endpoints, absent on the local stack).
 */
export async function ui(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const refused = await denied(request, context, 'reader');
  if (refused) return refused;
  const bad = badRequest({ query: queryValues(request, []).problems });
  if (bad) return bad;
  try {
    const records = await ForwardRegistry.fromEnv(process.env).list();
    const summaries: ForwardSummary[] = records.map((r) => {
      const status = statusOf(r);
      const counts = r.connections?.counts ?? { approved: 0, pending: 0, rejected: 0, disconnected: 0 };
      return {
        name: r.name,
        phase: status.phase,
        deleting: r.deleting,
        nodes: { total: status.nodes.length, healthy: status.nodes.filter((n) => n.health === 'healthy').length },
        connections: { approved: counts.approved, pending: counts.pending, rejected: counts.rejected },
        problems: status.conditions.filter(needsAttention).map((c) => `${c.type}: ${c.reason} — ${c.message}`),
      };
    });
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        // Inline style and script only; nothing from other origins (a hub often cannot reach CDNs).
        'Content-Security-Policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
        'Cache-Control': 'no-store',
      },
      body: renderStatusPage(summaries, new Date().toISOString(), { signIn: authMode(process.env) === 'entra' && tokenOf(request)?.from === 'easy-auth-id-token' }),
    };
  } catch (err) {
    context.error(`status page: registry read failed: ${(err as Error).message}`);
    return problem(503, 'Registry unavailable', 'the forward registry could not be read; try again');
  }
}

app.http(FunctionNames.ui, { route: 'ui', methods: ['GET'], authLevel: 'anonymous', handler: ui });
