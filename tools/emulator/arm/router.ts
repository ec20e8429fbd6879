import type { IncomingHttpHeaders } from 'node:http';
import { authorize } from './authorization';
import { ArmError, invalidRequestFormat, methodNotAllowed, noRegisteredProvider, resourceGroupNotFound, subscriptionNotFound } from './errors';
import { frontDoor } from './front-door';
import { kindOf } from './request-log';
import { parseArmPath, type ArmPath } from './resource-path';
import type { ArmContext, ArmResponse, EmulatorRuntime } from './types';
import type { ProviderRegistry } from '../providers';

/**
 * The ARM front door: everything ARM does before a resource provider sees a request (auth,
 * api-version, faults, subscription/resource-group existence, operation status endpoints), then
 * dispatch to the provider registered for the request's resource type.
 */
export interface IncomingArm {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  rawBody: string;
  baseUrl: string;
  /** The emulator's own request (control API): not throttled. */
  internal?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function normalizePath(pathname: string): string {
  return pathname.replace(/\/{2,}/g, '/');
}

function checkAuth(headers: IncomingHttpHeaders): void {
  const auth = headers.authorization;
  if (auth === undefined || auth === '') {
    throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", [], {
      'WWW-Authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
    });
  }
  if (!/^Bearer\s+\S+/i.test(auth)) {
    throw new ArmError(401, 'InvalidAuthenticationToken', "The access token is invalid: the 'Authorization' header must be 'Bearer <token>'.", [], {
      'WWW-Authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token is invalid."',
    });
  }
}

function parseBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw invalidRequestFormat(`The request content was invalid and could not be deserialized: ${(e as Error).message}`);
  }
}

/** Resource type a fault rule matches for this request: the addressed type, or the resource's type for actions. */
function faultTypeOf(method: string, p: ArmPath | undefined): string | undefined {
  if (!p) return undefined;
  if (method === 'POST' && p.isCollection && p.names.length > 0) return [p.namespace, ...p.types.slice(0, -1)].join('/');
  return p.fullType;
}

export class ArmRouter {
  constructor(
    private readonly emu: EmulatorRuntime,
    private readonly registry: ProviderRegistry,
  ) {}

  async handle(inc: IncomingArm): Promise<ArmResponse> {
    const method = inc.method.toUpperCase();
    const pathname = normalizePath(inc.url.pathname);
    const apiVersion = inc.url.searchParams.get('api-version');
    const armPath = parseArmPath(pathname);
    const rawType = this.registry.routes.find((r) => r.resourceType && r.method.toUpperCase() === method && r.pattern.test(pathname))?.resourceType;
    const resourceType = rawType ?? faultTypeOf(method, armPath);
    let fault: string | undefined;
    let limits: Record<string, string> = {};
    let res: ArmResponse;
    try {
      res = await this.dispatch(inc, method, pathname, apiVersion, armPath, resourceType, (id) => (fault = id), (h) => (limits = h));
    } catch (e) {
      res = toErrorResponse(e);
    }
    res = { ...res, headers: { ...limits, ...(res.headers ?? {}) } };
    this.emu.requests.add({ method, path: pathname, apiVersion, status: res.status, kind: kindOf(method), resourceType, fault });
    return res;
  }

  private async dispatch(
    inc: IncomingArm,
    method: string,
    pathname: string,
    apiVersion: string | null,
    armPath: ArmPath | undefined,
    resourceType: string | undefined,
    markFault: (id: string) => void,
    setLimits: (headers: Record<string, string>) => void,
  ): Promise<ArmResponse> {
    const raw = this.registry.routes.find((r) => r.method.toUpperCase() === method && r.pattern.test(pathname));
    if (raw?.arm !== false) checkAuth(inc.headers);
    if (!apiVersion && raw?.arm !== false) {
      throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    }
    if (raw?.arm !== false) {
      const type = raw ? (raw.apiVersionType ?? raw.resourceType) : (resourceType ?? armPath?.fullType);
      const declared = raw ? raw.apiVersions : type ? this.declaredVersions(type) : undefined;
      setLimits(frontDoor(this.emu, { method, headers: inc.headers, rawBody: inc.rawBody, apiVersion: apiVersion as string }, { armPath, type, declaredVersions: declared, throttled: !raw && !inc.internal }));
    }
    // Faults apply before anything else, like a throttling front end would.
    const faults = this.emu.faults.take(method, resourceType, ['latency', 'throttle', 'error', 'failLro']);
    let failLro: { code: string; message: string } | undefined;
    for (const f of faults) {
      if (f.kind === 'latency') await sleep(f.latencyMs ?? 0);
    }
    for (const f of faults) {
      if (f.kind === 'throttle') {
        markFault(f.id);
        const retryAfter = String(f.retryAfterSeconds ?? 1);
        throw new ArmError(429, f.code ?? 'TooManyRequests', f.message ?? `The request is being throttled. Retry after ${retryAfter} seconds.`, [], {
          'Retry-After': retryAfter,
          'x-ms-ratelimit-remaining-subscription-reads': '0',
        });
      }
      if (f.kind === 'error') {
        markFault(f.id);
        throw new ArmError(f.status ?? 500, f.code ?? 'InternalServerError', f.message ?? 'Encountered internal server error (injected fault).');
      }
      if (f.kind === 'failLro') {
        markFault(f.id);
        failLro = { code: f.code ?? 'InternalServerError', message: f.message ?? 'The operation failed (injected fault).' };
      }
    }
    const body = parseBody(inc.rawBody);
    // Identity and scope (AUTH-n): the caller's tenant and role assignments, before any existence check.
    if (raw?.arm !== false) authorize(this.emu, inc.headers, method, pathname, body);
    this.emu.lro.settleDue(this.emu.clock.now());

    if (raw) {
      const match = pathname.match(raw.pattern) as RegExpMatchArray;
      return raw.handle({ method, url: inc.url, match, apiVersion, headers: inc.headers, body, baseUrl: inc.baseUrl, emu: this.emu });
    }
    if (!armPath) throw new ArmError(404, 'NotFound', `The path '${pathname}' is not an ARM resource path the emulator serves.`);

    const op = this.operationStatus(method, armPath);
    if (op) return op;

    if (!this.emu.state.subscriptions.has(armPath.subscriptionId.toLowerCase())) throw subscriptionNotFound(armPath.subscriptionId);
    const isRg = armPath.fullType.toLowerCase() === 'microsoft.resources/resourcegroups';
    if (armPath.resourceGroup && !isRg) {
      if (!this.emu.state.get(`/subscriptions/${armPath.subscriptionId}/resourceGroups/${armPath.resourceGroup}`)) {
        throw resourceGroupNotFound(armPath.resourceGroup);
      }
    }
    this.emu.quotas.check(method, armPath, this.emu.state);

    const ctx: ArmContext = {
      emu: this.emu,
      req: { method, url: inc.url, path: armPath, apiVersion: apiVersion as string, headers: inc.headers, body, baseUrl: inc.baseUrl, failLro },
    };

    if (method === 'POST' && armPath.isCollection && armPath.names.length > 0) {
      const action = armPath.types[armPath.types.length - 1];
      const ownerType = [armPath.namespace, ...armPath.types.slice(0, -1)].join('/');
      const h = this.registry.handlerFor(ownerType);
      if (!h) throw noRegisteredProvider(ownerType, apiVersion as string);
      const key = Object.keys(h.actions ?? {}).find((k) => k.toLowerCase() === action.toLowerCase());
      if (!key) throw methodNotAllowed(method, pathname);
      return (h.actions as Record<string, (c: ArmContext) => ArmResponse | Promise<ArmResponse>>)[key](ctx);
    }
    const h = this.registry.handlerFor(armPath.fullType);
    if (!h) throw noRegisteredProvider(armPath.fullType, apiVersion as string);
    const fn = armPath.isCollection
      ? method === 'GET'
        ? h.list
        : undefined
      : ({ GET: h.get, PUT: h.put, PATCH: h.patch, DELETE: h.delete } as Record<string, typeof h.get>)[method];
    if (!fn) throw methodNotAllowed(method, pathname);
    return fn(ctx);
  }

  /** Versions a provider outside Azure's namespaces declares for `type` (its operation polls: any type of its namespace). */
  private declaredVersions(type: string): readonly string[] | undefined {
    const own = this.registry.handlerFor(type)?.apiVersions;
    const ns = /^([^/]+)\/locations\/(operations|operationresults)$/i.exec(type)?.[1];
    if (own || !ns) return own;
    return this.registry.typeNames().filter((t) => t.toLowerCase().startsWith(`${ns.toLowerCase()}/`)).flatMap((t) => this.registry.handlerFor(t)?.apiVersions ?? []);
  }

  /** GET .../providers/{ns}/locations/{loc}/operations/{id} and .../operationResults/{id}. */
  private operationStatus(method: string, p: ArmPath): ArmResponse | undefined {
    if (method !== 'GET' || p.resourceGroup || p.isCollection || p.types.length !== 2 || p.types[0].toLowerCase() !== 'locations') return undefined;
    const kind = p.types[1].toLowerCase();
    if (kind !== 'operations' && kind !== 'operationresults') return undefined;
    const op = this.emu.lro.get(p.names[1]);
    if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${p.names[1]}' was not found.`);
    const status = this.emu.lro.poll(op);
    if (kind === 'operations') {
      const headers: Record<string, string> = status === 'InProgress' ? { 'Retry-After': this.emu.lro.retryAfterSeconds() } : {};
      return { status: 200, body: this.emu.lro.statusBody(op, status), headers };
    }
    if (status === 'InProgress') return { status: 202, headers: { 'Retry-After': this.emu.lro.retryAfterSeconds() } };
    if (op.status === 'Failed') return { status: 500, body: { error: op.error } };
    if (op.result !== undefined) return { status: 200, body: op.result };
    // Compute answers a finished void action (reimage, deleteInstances, manualupgrade) with 200
    // and no body; its SDK refuses 204 there. Network answers 204.
    return { status: op.namespace.toLowerCase() === 'microsoft.compute' ? 200 : 204 };
  }
}

export function toErrorResponse(e: unknown): ArmResponse {
  if (e instanceof ArmError) return { status: e.status, body: e.toBody(), headers: e.headers };
  // A bug in the emulator, never bad input: keep the message, hide the stack.
  return { status: 500, body: { error: { code: 'InternalServerError', message: `Emulator error: ${e instanceof Error ? e.message : String(e)}` } } };
}
