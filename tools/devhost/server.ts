import * as http from 'node:http';
import type { DurableEngineHost } from './contracts';
import { handleEventGridWebhook } from './eventgrid';
import { byPrecedence, compileRoute, hostQuery, matchRoute, type CompiledRoute } from './http-routes';
import { DevhostInvoker, UnknownFunctionError } from './invoker';
import type { LoadedFunction, RpcTypedData } from './loader';
import type { Logger } from './log';
import { resolveAppSettings } from './settings';
import type { TimerScheduler } from './timers';
import { handleClockRoute, type ClockRouteDeps } from './clock-routes';

/**
 * devhost's HTTP front door, laid out like the real host's:
 *   /{routePrefix}/{route}                  HTTP triggers (route params, methods, raw bodies)
 *   POST /admin/functions/{name}            invoke any non-HTTP function now (202)
 *   GET  /admin/host/status                 host state and functions
 *   GET  /admin/clock, POST /admin/clock/advance   the host's clock (clock-routes.ts)
 *   /runtime/webhooks/eventgrid             Event Grid deliveries and handshakes
 *   /runtime/webhooks/durabletask/...       the durable engine's management API
 * A handler that throws answers 500 with no body (the error goes to the log, never the caller).
 * A path nothing serves is 404, a method the path does not take 405 (with `Allow`), both as
 * problem+json naming the method and path (`notFound`, `methodNotAllowed`).
 */
export interface ServerDeps {
  invoker: DevhostInvoker;
  functions: LoadedFunction[];
  log: Logger;
  routePrefix: string;
  engine?: DurableEngineHost;
  timers?: TimerScheduler;
  /** The host's clock and how to wait for the host to be idle (tools/devhost/clock-routes.ts). */
  clock?: ClockRouteDeps;
  /** While the host drains before stopping, new function work gets 503 (callers and Event Grid
   *  retry); the durable API keeps answering so in-flight starters can finish. */
  isDraining?: () => boolean;
}

interface HttpFunctionRoute {
  fn: LoadedFunction;
  route: CompiledRoute;
  methods: string[];
}

export function httpRoutesOf(functions: LoadedFunction[]): HttpFunctionRoute[] {
  return functions
    .filter((fn) => fn.trigger.type === 'httpTrigger')
    .map((fn) => ({
      fn,
      route: compileRoute(resolveAppSettings(String(fn.trigger.route ?? fn.name))),
      methods: ((fn.trigger.methods as string[] | undefined) ?? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).map((m) => m.toUpperCase()),
    }))
    .sort((a, b) => byPrecedence(a.route, b.route));
}

export function createRequestListener(deps: ServerDeps): http.RequestListener {
  const routes = httpRoutesOf(deps.functions);
  // Like the real host, the prefix matches case-insensitively.
  const prefix = deps.routePrefix ? `/${deps.routePrefix.replace(/^\/+|\/+$/g, '').toLowerCase()}` : '';
  return (req, res) => {
    void (async () => {
      // Never the query string in a log line: it may carry keys.
      let path = (req.url ?? '/').split('?')[0];
      try {
        const body = await readBody(req);
        const url = requestUrl(req);
        path = url.pathname;
        if (path.startsWith('/runtime/webhooks/durabletask/')) {
          if (!deps.engine) return notFound(res, `nothing is served at ${shown(req.method ?? '', path)}: no durable engine runs in this host`);
          return await deps.engine.handleHttp(req, res, path.slice('/runtime/webhooks/durabletask/'.length), body);
        }
        if (deps.isDraining?.()) return send(res, 503, { error: 'devhost is stopping' }, { 'Retry-After': '5', Connection: 'close' });
        // Host-owned paths match case-insensitively, like ASP.NET routing in the real host.
        const lowerPath = path.toLowerCase();
        if (lowerPath === '/runtime/webhooks/eventgrid') {
          const reply = await handleEventGridWebhook(deps.invoker, req.method ?? 'GET', url.searchParams, req.headers, body);
          return send(res, reply.status, reply.body, reply.headers);
        }
        if (lowerPath === '/admin/functions' || lowerPath === '/admin/functions/') {
          if (req.method !== 'GET') return methodNotAllowed(res, req.method ?? '', path, ['GET']);
          return send(res, 200, deps.functions.map((f) => functionInfo(f)));
        }
        if (lowerPath.startsWith('/admin/functions/')) return await adminInvoke(deps, req.method ?? '', safeDecode(path.slice('/admin/functions/'.length)), body, res);
        if (deps.clock && lowerPath.startsWith('/admin/clock')) {
          const reply = await handleClockRoute(deps.clock, req.method ?? '', lowerPath.replace(/\/+$/, ''), body);
          if (reply) return reply.status >= 400 ? sendProblem(res, reply.status, (reply.body as { detail: string }).detail, reply.body as Record<string, unknown>) : send(res, reply.status, reply.body);
        }
        if (lowerPath === '/admin/host/status') {
          return send(res, 200, {
            state: 'Running',
            functions: deps.invoker.functions().map((f) => ({ name: f.name, trigger: f.triggerType })),
            timers: deps.timers?.describe() ?? [],
          });
        }
        if (prefix === '' || lowerPath === prefix || lowerPath.startsWith(`${prefix}/`)) {
          const rest = prefix === '' ? path : path.slice(prefix.length);
          return await serveHttpTrigger(deps, routes, rest, url, req, body, res);
        }
        return notFound(res, `nothing is served at ${shown(req.method ?? '', path)}: HTTP functions are under ${prefix}/ (GET /admin/functions lists them with their routes)`);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          send(res, 413, { error: `request body larger than ${MAX_BODY_BYTES} bytes` }, { Connection: 'close' });
          return;
        }
        deps.log.error(`request ${req.method} ${path} failed: ${(err as Error).message}`);
        if (!res.headersSent) send(res, 500, undefined);
        else res.end();
      }
    })();
  };
}

async function serveHttpTrigger(
  deps: ServerDeps,
  routes: HttpFunctionRoute[],
  rest: string,
  url: URL,
  req: http.IncomingMessage,
  body: Buffer,
  res: http.ServerResponse,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const matches = routes.map((r) => ({ r, params: matchRoute(r.route, rest) })).filter((m) => m.params !== undefined);
  if (matches.length === 0) return notFound(res, `no function's route matches ${shown(method, url.pathname)} (GET /admin/functions lists the functions with their routes)`);
  const hit = matches.find((m) => m.r.methods.includes(method));
  if (!hit) return methodNotAllowed(res, method, url.pathname, [...new Set(matches.flatMap((m) => m.r.methods))]);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  // As the real host builds it: names merged case-insensitively, repeated values comma-joined.
  const query = hostQuery(url.searchParams);
  const rpcRequest: RpcTypedData = {
    http: {
      method,
      url: url.toString(),
      headers,
      query,
      params: hit.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    },
  };
  let result;
  try {
    result = await deps.invoker.invokeRaw(hit.r.fn.name, rpcRequest);
  } catch (err) {
    deps.log.error(`'${hit.r.fn.name}' threw: ${(err as Error).stack ?? String(err)}`);
    return send(res, 500, undefined);
  }
  const httpOut = (result.returnValue?.http ?? result.outputData.find((o) => o.data.http)?.data.http) as RpcHttpResponse | undefined;
  if (!httpOut) return send(res, 204, undefined);
  const status = Number(httpOut.statusCode ?? 200) || 200;
  const outHeaders: Record<string, string | string[]> = { ...(httpOut.headers ?? {}) };
  const cookies = (httpOut.cookies ?? []).map(formatCookie);
  if (cookies.length) outHeaders['set-cookie'] = cookies;
  const bytes = httpOut.body?.bytes ? Buffer.from(httpOut.body.bytes) : httpOut.body?.string !== undefined ? Buffer.from(httpOut.body.string) : Buffer.alloc(0);
  res.writeHead(status, outHeaders);
  res.end(method === 'HEAD' ? undefined : bytes);
}

interface RpcHttpResponse {
  statusCode?: string;
  headers?: Record<string, string>;
  body?: { bytes?: Uint8Array; string?: string };
  cookies?: RpcHttpCookie[];
}

/** A cookie as the programming model hands it to the host (RpcHttpCookie with nullable wrappers). */
interface RpcHttpCookie {
  name: string;
  value: string;
  domain?: { value?: string };
  path?: { value?: string };
  expires?: { value?: { seconds?: number } };
  secure?: { value?: boolean };
  httpOnly?: { value?: boolean };
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone';
  maxAge?: { value?: number };
}

/** The Set-Cookie header the host writes for a cookie. */
export function formatCookie(c: RpcHttpCookie): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  if (c.expires?.value?.seconds !== undefined) parts.push(`Expires=${new Date(c.expires.value.seconds * 1000).toUTCString()}`);
  if (c.maxAge?.value !== undefined) parts.push(`Max-Age=${Math.floor(c.maxAge.value)}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' }[c.sameSite as string];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

/** What `GET /admin/functions[/{name}]` shows of a function: name, trigger and bindings as registered. */
function functionInfo(fn: LoadedFunction): Record<string, unknown> {
  return { name: fn.name, trigger: fn.trigger.type, bindings: Object.values(fn.metadata.bindings), ...(fn.metadata.retryOptions ? { retry: fn.metadata.retryOptions } : {}) };
}

async function adminInvoke(deps: ServerDeps, method: string, name: string, body: Buffer, res: http.ServerResponse): Promise<void> {
  if (method !== 'POST' && method !== 'GET') return methodNotAllowed(res, method, `/admin/functions/${name}`, ['GET', 'POST']);
  const fn = deps.invoker.get(name);
  if (!fn) return notFound(res, `no function named "${name.slice(0, 200)}" (GET /admin/functions lists them)`);
  if (method === 'GET') return send(res, 200, functionInfo(fn));
  if (fn.trigger.type === 'httpTrigger') return send(res, 400, { error: `"${name}" is an HTTP function: call its route instead` });
  let input: unknown;
  try {
    input = body.length ? (JSON.parse(body.toString('utf8')) as { input?: unknown }).input : undefined;
  } catch {
    return send(res, 400, { error: 'body must be JSON like {"input": ...}' });
  }
  const value =
    fn.trigger.type === 'timerTrigger'
      ? { Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false }
      : typeof input === 'string'
        ? parseMaybeJson(input)
        : input;
  // Like the real host: accepted now, runs in the background, outcome in the log.
  deps.invoker.invoke(fn.name, value).catch((err: unknown) => {
    if (!(err instanceof UnknownFunctionError)) deps.log.error(`admin invocation of '${fn.name}' failed: ${(err as Error).message}`);
  });
  return send(res, 202, undefined);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The request's URL as the caller addressed it; a Host header that is not a host falls back to ours. */
function requestUrl(req: http.IncomingMessage): URL {
  const local = req.socket.localAddress && req.socket.localPort ? `127.0.0.1:${req.socket.localPort}` : '127.0.0.1';
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? local}`);
  } catch {
    return new URL(req.url ?? '/', `http://${local}`);
  }
}

/** The host's default request body limit (100 MB, `maxRequestBodySize`). */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** The whole body; rejects when the caller goes away before sending it all or sends too much. */
export function readBody(req: http.IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) return reject(new BodyTooLargeError());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        chunks.length = 0;
        req.pause();
        reject(new BodyTooLargeError());
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the caller closed the connection before sending the whole body'));
    });
  });
}

/**
 * devhost's own 404 and 405 (no function serves the path, or not with that method) as RFC 9457
 * problem details, so a newcomer's curl says what is wrong: the method and the path (never the
 * query string: it may carry keys), and for 405 the allowed methods (also in `Allow`). The real
 * host answers these with empty bodies; nothing depends on that.
 */
function notFound(res: http.ServerResponse, detail: string): void {
  sendProblem(res, 404, detail);
}

function methodNotAllowed(res: http.ServerResponse, method: string, path: string, allowed: string[]): void {
  sendProblem(res, 405, `${method.slice(0, 20)} is not allowed on ${path.slice(0, 200)}; it allows ${allowed.join(', ')}`, { allowed }, { Allow: allowed.join(', ') });
}

/** "METHOD /path" for a detail line, bounded (a path is the caller's text). */
const shown = (method: string, path: string) => `${method.slice(0, 20)} ${path.slice(0, 200)}`;

/** A problem+json answer; `type` about:blank, so `title` is the status phrase (RFC 9457 4.2.1). */
export function sendProblem(res: http.ServerResponse, status: number, detail: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: 'about:blank', title: http.STATUS_CODES[status] ?? 'Error', status, detail, ...extensions });
  res.writeHead(status, { 'Content-Type': 'application/problem+json', ...headers });
  res.end(body);
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}
