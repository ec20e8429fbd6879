import type { IncomingHttpHeaders } from 'node:http';
import { ArmError } from './errors';
import { idKey, parseArmPath, parseResourceId, type ArmPath } from './resource-path';
import type { EmulatorRuntime } from './types';

/**
 * Who calls and what they may do (AZURE-RULES.md "Identity and scope", AUTH-n). Tokens are opaque:
 * - the app's token (`APP_TOKEN`, the one azure/client-factory.ts sends locally) is the app's
 *   principal, a managed identity of the topology's tenant: it may do only what role assignments
 *   grant it, and only in subscriptions of its tenant;
 * - any other bearer token is the topology's owner: every right, in every tenant (tests, demos and
 *   scripts acting as consumers and operators).
 * Role assignments `{name, principalId, scope, actions, notActions?}` live in the state (saved with
 * it), seeded from the topology's `roleAssignments` and managed with `/_emulator/role-assignments`.
 * The emulator never imports the product: the token below is a copy, the stack is the glue.
 */
export const APP_TOKEN = 'plf-local-emulator';
/** Object id and client (application) id of the app's principal, as ARM's messages name them. */
export const APP_PRINCIPAL = { objectId: '00000000-0000-0000-0000-0000000a0001', clientId: '00000000-0000-0000-0000-0000000a0c11' } as const;

export type Principal = { kind: 'owner' } | { kind: 'app'; objectId: string; clientId: string; tenantId: string };

export interface RoleAssignment {
  name: string;
  principalId: string;
  /** A subscription, resource group or resource id: the grant covers it and everything under it. */
  scope: string;
  /** Actions as role definitions write them; `*` matches any characters (`Microsoft.Network/*`, `*\/read`). */
  actions: string[];
  notActions?: string[];
}

const BAG = 'authorization.roleAssignments';

/** The role assignments in the state (a live array: the control API and the seed change it in place). */
export function roleAssignments(emu: EmulatorRuntime): RoleAssignment[] {
  return emu.state.bag<RoleAssignment[]>(BAG, () => []);
}

/** The principal of a request that carries a bearer token (checkAuth ran before). */
export function principalOf(headers: IncomingHttpHeaders, emu: EmulatorRuntime): Principal {
  const token = /^Bearer\s+(\S+)/i.exec(headers.authorization ?? '')?.[1];
  if (token === APP_TOKEN) return { kind: 'app', ...APP_PRINCIPAL, tenantId: emu.options.tenantId };
  return { kind: 'owner' };
}

function verb(method: string): string {
  if (method === 'PUT' || method === 'PATCH') return 'write';
  if (method === 'DELETE') return 'delete';
  return 'read';
}

/**
 * The RBAC operation a request needs, as Azure names it: `{namespace}/{types}/{read|write|delete}`,
 * a POST on `.../{type}/{name}/{action}` is `{namespace}/{types}/{action}/action`; resource groups
 * and subscriptions are `Microsoft.Resources/subscriptions[/resourceGroups]/...`.
 */
export function operationOf(method: string, p: ArmPath): string {
  const m = method.toUpperCase();
  if (p.namespace === 'Microsoft.Resources' && p.types.length === 1 && p.types[0].toLowerCase() === 'resourcegroups') return `Microsoft.Resources/subscriptions/resourceGroups/${verb(m)}`;
  if (p.namespace === 'Microsoft.Resources' && p.types.length === 1 && p.types[0].toLowerCase() === 'subscriptions') return `Microsoft.Resources/subscriptions/${verb(m)}`;
  if (m === 'POST' && p.isCollection && p.names.length > 0) return `${p.namespace}/${p.types.slice(0, -1).join('/')}/${p.types[p.types.length - 1]}/action`;
  return `${p.namespace}/${p.types.join('/')}/${m === 'POST' ? 'action' : verb(m)}`;
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

function covers(scope: string, target: string): boolean {
  const s = idKey(scope);
  const t = idKey(target);
  return t === s || t.startsWith(`${s}/`);
}

/** Whether the assignments grant `principalId` the action at `scope` (an assignment at or above it). */
export function granted(assignments: readonly RoleAssignment[], principalId: string, action: string, scope: string): boolean {
  return assignments.some(
    (a) => a.principalId.toLowerCase() === principalId.toLowerCase() && covers(a.scope, scope) && a.actions.some((p) => actionMatches(p, action)) && !(a.notActions ?? []).some((p) => actionMatches(p, action)),
  );
}

/** AUTH-2: ARM's 403 for an action the caller's role assignments do not grant at the scope. */
export function authorizationFailed(p: Extract<Principal, { kind: 'app' }>, action: string, scope: string): ArmError {
  return new ArmError(
    403,
    'AuthorizationFailed',
    `The client '${p.clientId}' with object id '${p.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/** AUTH-6: ARM's 403 for a write whose body references resources the caller may not join. */
function linkedAuthorizationFailed(p: Extract<Principal, { kind: 'app' }>, action: string, scope: string, missing: { action: string; scope: string }[]): ArmError {
  return new ArmError(
    403,
    'LinkedAuthorizationFailed',
    `The client '${p.clientId}' with object id '${p.objectId}' has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform action(s) '${missing.map((x) => x.action).join(',')}' on the linked scope(s) '${missing.map((x) => x.scope).join(',')}' (respectively) or the linked scope(s) are invalid.`,
  );
}

/** AUTH-5: ARM's 401 for a token of another tenant than the subscription's. */
export function wrongTenant(tokenTenant: string, subscriptionTenant: string): ArmError {
  return new ArmError(
    401,
    'InvalidAuthenticationTokenTenant',
    `The access token is from the wrong issuer 'https://sts.windows.net/${tokenTenant}/'. It must match the tenant 'https://sts.windows.net/${subscriptionTenant}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${subscriptionTenant}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`,
    [],
    { 'WWW-Authenticate': `Bearer authorization_uri="https://login.windows.net/${subscriptionTenant}", error="invalid_token", error_description="The access token is from the wrong issuer."` },
  );
}

/**
 * Linked actions ARM checks on resources a write references (AUTH-6): the id's type (its last
 * type segments) -> the join action on that resource. Only joins infra/roles.json names exist here.
 */
const JOINS: [RegExp, string][] = [
  [/\/providers\/microsoft\.network\/virtualnetworks\/[^/]+\/subnets\/[^/]+$/i, 'Microsoft.Network/virtualNetworks/subnets/join/action'],
  [/\/providers\/microsoft\.network\/loadbalancers\/[^/]+\/backendaddresspools\/[^/]+$/i, 'Microsoft.Network/loadBalancers/backendAddressPools/join/action'],
  [/\/providers\/microsoft\.network\/loadbalancers\/[^/]+\/frontendipconfigurations\/[^/]+$/i, 'Microsoft.Network/loadBalancers/frontendIPConfigurations/join/action'],
  [/\/providers\/microsoft\.network\/loadbalancers\/[^/]+\/probes\/[^/]+$/i, 'Microsoft.Network/loadBalancers/probes/join/action'],
  [/\/providers\/microsoft\.network\/networkinterfaces\/[^/]+$/i, 'Microsoft.Network/networkInterfaces/join/action'],
];

/** Every `"id": "/subscriptions/..."` a request body references, with the join it needs. */
function linkedJoins(body: unknown, self: string): { action: string; scope: string }[] {
  const out = new Map<string, { action: string; scope: string }>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'id' && typeof x === 'string' && x.startsWith('/subscriptions/') && !covers(self, x)) {
          const join = JOINS.find(([re]) => re.test(x));
          if (join) out.set(`${join[1]}@${idKey(x)}`, { action: join[1], scope: x });
        } else walk(x);
      }
    }
  };
  walk(body);
  return [...out.values()];
}

/**
 * ARM's identity checks for one request, after the bearer token was found (AUTH-1..8): the tenant
 * of every subscription the request addresses (401), then the action at the request's scope, the
 * joins a write's body needs, an operation status on the resource that started it, and each
 * resource of a metrics batch (403). The owner passes everything. Runs before any existence check,
 * as ARM does: a caller without rights learns nothing about what exists.
 */
export function authorize(emu: EmulatorRuntime, headers: IncomingHttpHeaders, method: string, pathname: string, body: unknown): void {
  const principal = principalOf(headers, emu);
  if (principal.kind === 'owner') return;
  const m = method.toUpperCase();
  const tenantCheck = (subscriptionId: string) => {
    const sub = emu.state.subscriptions.get(subscriptionId.toLowerCase());
    if (sub && sub.tenantId.toLowerCase() !== principal.tenantId.toLowerCase()) throw wrongTenant(principal.tenantId, sub.tenantId);
  };
  const need = (action: string, scope: string) => {
    if (!granted(roleAssignments(emu), principal.objectId, action, scope)) throw authorizationFailed(principal, action, scope);
  };

  // The metrics batch (data plane): Microsoft.Insights/metrics/read on each resource of the body.
  const batch = /^\/subscriptions\/([^/]+)\/metrics:getBatch$/i.exec(pathname);
  if (batch) {
    tenantCheck(batch[1]);
    const ids = (body as { resourceids?: unknown } | undefined)?.resourceids;
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string' && parseResourceId(id)) need('Microsoft.Insights/metrics/read', id);
    return;
  }
  const p = parseArmPath(pathname);
  if (!p) return;
  tenantCheck(p.subscriptionId);

  // An operation status (`.../providers/{ns}/locations/{l}/operations|operationResults/{id}`):
  // authorized on the resource whose operation it is; an unknown id is the router's 404.
  if (!p.resourceGroup && !p.isCollection && p.types.length === 2 && p.types[0].toLowerCase() === 'locations' && /^operation(s|results)$/i.test(p.types[1])) {
    const op = emu.lro.get(p.names[1]);
    if (op) need(`${p.namespace}/locations/${p.types[1]}/read`, op.resourceId);
    return;
  }

  const action = operationOf(m, p);
  const scope = p.scope ? p.scope.id : p.id;
  need(action, scope);
  if (m === 'PUT' || m === 'PATCH') {
    const missing = linkedJoins(body, p.id).filter((j) => !granted(roleAssignments(emu), principal.objectId, j.action, j.scope));
    if (missing.length) throw linkedAuthorizationFailed(principal, action, p.id, missing);
  }
}
