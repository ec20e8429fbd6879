import { randomUUID } from 'node:crypto';
import { ArmError, conflict, invalidParameters, resourceNotFound } from '../../arm/errors';
import { checkPreconditions, newEtag } from '../../arm/etag';
import { parseResourceId } from '../../arm/resource-path';
import { isObject, preconditionHeaders, renderStored, requireObjectBody, storedResourceHandlers } from '../../arm/stored-resource';
import type { ArmContext, EmulatorRuntime, ResourceTypeHandler } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { allocateIp, props, refId, refuseDelegated, requireSubnet, T, type Json } from './common';
import { ipBasedPools, lbDeleteGuards, lbWriteGuards } from './load-balancers';

/**
 * Private link services and their private endpoint connections.
 * - NAT IPs (ipConfigurations, 1-8) come from a subnet whose privateLinkServiceNetworkPolicies are
 *   Disabled; once added they cannot be removed (only added to) while the service exists.
 * - alias = `<name>.<guid>.<region>.azure.privatelinkservice`, fixed for the service's life.
 * - A connection is stored as a child resource `.../privateEndpointConnections/{pe}.{guid}`; it is
 *   the single source of truth for the approval state the endpoint shows.
 * - Visibility: the service's own subscription, `*`, or a listed subscription can see it;
 *   auto-approval: a listed subscription (or `*`) gets Approved, as does an automatic
 *   (non-manual) request from the service's own subscription; everyone else arrives Pending.
 * - Approving/rejecting (PUT on the connection) publishes write events for the connection AND
 *   the endpoint; a rejected connection cannot be approved again (NET-4); a PUT of a connection
 *   name the service does not have is refused (NET-3): only an endpoint creates a connection.
 * - A service that still has connections cannot be deleted (NET-1): the provider deletes them
 *   first (each a long-running delete, NET-6). Nothing cascades.
 * Rule ids (NET-n) are the rows of tools/emulator/AZURE-RULES.md.
 */
export const PLS_CONN_TYPE = T.plsConn;

function subList(v: unknown): string[] {
  return isObject(v) && Array.isArray(v.subscriptions) ? (v.subscriptions as unknown[]).map(String) : [];
}

export function isVisibleTo(pls: StoredResource, subscriptionId: string): boolean {
  if (pls.subscriptionId.toLowerCase() === subscriptionId.toLowerCase()) return true;
  const vis = subList(props(pls).visibility).map((s) => s.toLowerCase());
  return vis.includes('*') || vis.includes(subscriptionId.toLowerCase());
}

export function isAutoApproved(pls: StoredResource, subscriptionId: string): boolean {
  const auto = subList(props(pls).autoApproval).map((s) => s.toLowerCase());
  return auto.includes('*') || auto.includes(subscriptionId.toLowerCase());
}

/** Finds a PLS by resource id or alias. */
export function resolvePls(emu: EmulatorRuntime, idOrAlias: string): StoredResource | undefined {
  if (idOrAlias.startsWith('/')) {
    const r = emu.state.get(idOrAlias);
    return r && r.type === T.pls ? r : undefined;
  }
  const a = idOrAlias.toLowerCase();
  return emu.state.list(T.pls).find((p) => String(props(p).alias).toLowerCase() === a);
}

function validate(ctx: ArmContext, id: string, p: Json, existing?: StoredResource): Map<string, StoredResource> {
  const problems: string[] = [];
  const lbs = new Map<string, StoredResource>();
  const fes = p.loadBalancerFrontendIpConfigurations;
  if (!Array.isArray(fes) || fes.length === 0) problems.push('properties.loadBalancerFrontendIpConfigurations must reference at least one load balancer frontend.');
  else
    fes.forEach((fe, i) => {
      const feId = refId(fe);
      const parsed = parseResourceId(feId);
      const lb = feId ? ctx.emu.state.get(feId.split('/').slice(0, -2).join('/')) : undefined;
      const ok =
        parsed &&
        parsed.types.length === 2 &&
        parsed.types[1].toLowerCase() === 'frontendipconfigurations' &&
        lb &&
        lb.type === T.lb &&
        ((props(lb).frontendIPConfigurations as Json[]) ?? []).some((f) => String(f.name).toLowerCase() === parsed.names[1].toLowerCase());
      if (!ok) problems.push(`Resource ${feId ?? `loadBalancerFrontendIpConfigurations[${i}]`} referenced by resource ${id} was not found.`);
      else if (!isStandard(lb)) problems.push(basicLbProblem(lb, id));
      else lbs.set(lb.id.toLowerCase(), lb);
    });
  const ipBased = [...lbs.values()].flatMap((lb) => ipBasedProblems(lb.id, props(lb), id));
  const ipcs = p.ipConfigurations;
  const subnets = new Map<string, StoredResource>();
  if (!Array.isArray(ipcs) || ipcs.length === 0 || ipcs.length > 8) problems.push('properties.ipConfigurations must hold 1 to 8 NAT IP configurations.');
  else
    ipcs.forEach((c, i) => {
      const o = (isObject(c) ? c : {}) as Json;
      if (typeof o.name !== 'string' || o.name === '') problems.push(`properties.ipConfigurations[${i}].name is required.`);
      const cp = (isObject(o.properties) ? o.properties : {}) as Json;
      const s = requireSubnet(ctx.emu, cp.subnet, `${id}/ipConfigurations/${String(o.name)}`, problems);
      refuseDelegated(s, 'private link service NAT IPs', problems);
      if (s && props(s).privateLinkServiceNetworkPolicies !== 'Disabled') {
        problems.push(`Private link service network policies must be disabled on subnet ${s.id} to place private link service NAT IPs in it.`);
      }
      if (s && typeof o.name === 'string') subnets.set(o.name.toLowerCase(), s);
      if (cp.privateIPAllocationMethod === 'Static' && typeof cp.privateIPAddress !== 'string') problems.push(`properties.ipConfigurations[${i}]: Static allocation needs privateIPAddress.`);
    });
  for (const k of ['visibility', 'autoApproval']) {
    const v = p[k];
    if (v !== undefined && v !== null && !(isObject(v) && (v.subscriptions === undefined || (Array.isArray(v.subscriptions) && v.subscriptions.every((s) => typeof s === 'string'))))) {
      problems.push(`properties.${k}.subscriptions must be an array of subscription ids.`);
    }
  }
  if (p.fqdns !== undefined && !(Array.isArray(p.fqdns) && p.fqdns.every((s) => typeof s === 'string'))) problems.push('properties.fqdns must be an array of strings.');
  if (p.enableProxyProtocol !== undefined && typeof p.enableProxyProtocol !== 'boolean') problems.push('properties.enableProxyProtocol must be a boolean.');
  if (existing && Array.isArray(ipcs)) {
    const now = new Set(ipcs.map((c) => String((c as Json).name).toLowerCase()));
    const removed = ((existing.internal.natIps ?? []) as Array<{ name: string }>).filter((n) => !now.has(n.name.toLowerCase()));
    if (removed.length) problems.push(`NAT IP configurations cannot be removed from a private link service (removed: ${removed.map((n) => n.name).join(', ')}).`);
  }
  if (ipBased.length) throw plsProblems(ipBased, problems);
  if (problems.length) throw invalidParameters(problems);
  return subnets;
}

const IP_BASED_POOL = 'PrivateLinkServiceCannotUseIpBasedBackendPool';

/**
 * NET-8: a private link service fronts a Standard load balancer only (Learn, "What is Azure Private
 * Link service?": "Private Link service is attached to a Standard Load Balancer"; Basic is not
 * supported). The exact code is undocumented: 400 InvalidParameter naming the load balancer.
 */
function isStandard(lb: StoredResource): boolean {
  const sku = lb.body.sku;
  return !isObject(sku) || String(sku.name ?? 'Standard').toLowerCase() === 'standard';
}

function basicLbProblem(lb: StoredResource, plsId: string): string {
  return `Private link service ${plsId} cannot use load balancer ${lb.id}: its SKU is ${String((lb.body.sku as Json).name)}; a private link service needs a Standard load balancer.`;
}

/** One sentence per IP-based backend pool of `lbId` (a PLS cannot front such a load balancer). */
function ipBasedProblems(lbId: string, lbProps: Json, plsId: string): string[] {
  return ipBasedPools(lbProps).map(
    (b) =>
      `Private link service ${plsId} cannot use load balancer ${lbId}: its backend address pool '${b.pool}' is IP-based (backend addresses set by (virtualNetwork, ipAddress) or (subnet, ipAddress): ${b.addresses.join(', ')}); a private link service needs a NIC-based backend pool.`,
  );
}

/** 400 naming every problem; the top code is the IP-based-pool code unless other problems exist too. */
function plsProblems(ipBased: string[], other: string[]): ArmError {
  const details = [...ipBased.map((message) => ({ code: IP_BASED_POOL, message })), ...other.map((message) => ({ code: 'InvalidParameter', message }))];
  const all = [...ipBased, ...other];
  return new ArmError(400, other.length ? 'InvalidParameter' : IP_BASED_POOL, all.join(' '), details.length > 1 ? details : []);
}

function plsNic(emu: EmulatorRuntime, pls: StoredResource, natIps: Array<{ name: string; ip: string; subnetId: string }>): void {
  const nicId = pls.internal.nicId as string;
  const now = emu.clock.iso();
  emu.state.set({
    id: nicId,
    type: T.nic,
    name: nicId.split('/').pop() as string,
    subscriptionId: pls.subscriptionId,
    resourceGroup: pls.resourceGroup,
    etag: newEtag(),
    body: {
      location: pls.body.location,
      properties: {
        provisioningState: 'Succeeded',
        ipConfigurations: natIps.map((n) => ({
          name: n.name,
          id: `${nicId}/ipConfigurations/${n.name}`,
          type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
          properties: { privateIPAddress: n.ip, privateIPAllocationMethod: 'Dynamic', privateIPAddressVersion: 'IPv4', primary: n === natIps[0], subnet: { id: n.subnetId }, provisioningState: 'Succeeded' },
        })),
        privateLinkService: { id: pls.id },
        nicType: 'Standard',
        primary: true,
        enableIPForwarding: false,
      },
    },
    internal: {},
    createdAt: now,
    updatedAt: now,
  });
}

export function connectionsOf(emu: EmulatorRuntime, plsId: string): StoredResource[] {
  return emu.state.children(plsId, T.plsConn);
}

function renderConnection(c: StoredResource): Json {
  return renderStored(c);
}

const plsType = storedResourceHandlers({
  type: T.pls,
  longRunning: true,
  tracked: true,
  patch: 'tags',
  provisioningState: true,
  build(ctx, { body, existing, id }) {
    const p = (isObject(body.properties) ? body.properties : {}) as Json;
    const subnets = validate(ctx, id, p, existing);
    const old = new Map(((existing?.internal.natIps ?? []) as Array<{ name: string; ip: string; subnetId: string }>).map((n) => [n.name.toLowerCase(), n]));
    const natIps = (p.ipConfigurations as Json[]).map((c) => {
      const name = String(c.name);
      const cp = (isObject(c.properties) ? c.properties : {}) as Json;
      const subnet = subnets.get(name.toLowerCase()) as StoredResource;
      const requested = cp.privateIPAllocationMethod === 'Static' ? String(cp.privateIPAddress) : old.get(name.toLowerCase())?.ip;
      return { name, ip: allocateIp(ctx.emu, subnet, id, requested), subnetId: subnet.id, method: cp.privateIPAllocationMethod === 'Static' ? 'Static' : 'Dynamic', primary: cp.primary };
    });
    const location = String(body.location ?? existing?.body.location);
    const name = ctx.req.path.names[0];
    const aliasGuid = (existing?.internal.aliasGuid as string | undefined) ?? randomUUID();
    const nicId = (existing?.internal.nicId as string | undefined) ?? `${id.split('/providers/')[0]}/providers/Microsoft.Network/networkInterfaces/${name}.nic.${randomUUID()}`;
    return {
      body: {
        properties: {
          loadBalancerFrontendIpConfigurations: (p.loadBalancerFrontendIpConfigurations as Json[]).map((f) => ({ id: refId(f) })),
          ipConfigurations: natIps.map((n, i) => ({
            name: n.name,
            id: `${id}/ipConfigurations/${n.name}`,
            properties: {
              privateIPAddress: n.ip,
              privateIPAllocationMethod: n.method,
              privateIPAddressVersion: 'IPv4',
              primary: n.primary ?? i === 0,
              subnet: { id: n.subnetId },
              provisioningState: 'Succeeded',
            },
          })),
          visibility: { subscriptions: subList(p.visibility) },
          autoApproval: { subscriptions: subList(p.autoApproval) },
          fqdns: (p.fqdns as string[] | undefined) ?? [],
          enableProxyProtocol: (p.enableProxyProtocol as boolean | undefined) ?? false,
          alias: `${name}.${aliasGuid}.${location}.azure.privatelinkservice`,
          networkInterfaces: [{ id: nicId }],
        },
      },
      internal: { aliasGuid, nicId, natIps: natIps.map(({ name: n, ip, subnetId }) => ({ name: n, ip, subnetId })) },
    };
  },
  afterWrite(ctx, r) {
    plsNic(ctx.emu, r, r.internal.natIps as Array<{ name: string; ip: string; subnetId: string }>);
  },
  beforeDelete(ctx, r) {
    // NET-1: refused while any connection exists (one still being deleted counts). Code, status and
    // message as Learn shows them ("A load balancer with a private link service or a private link
    // service with private endpoint connections can't be deleted", AKS troubleshooting).
    const n = connectionsOf(ctx.emu, r.id).length;
    if (n > 0) {
      throw new ArmError(
        400,
        'PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted',
        `Private link service ${r.id} cannot be deleted since it has ${n} private endpoint connection${n === 1 ? '' : 's'}. Please delete all private endpoint connections before deleting the private link service.`,
      );
    }
  },
  afterDelete(ctx, r) {
    ctx.emu.state.delete(r.internal.nicId as string);
  },
  render(ctx, r, out) {
    (out.properties as Json).privateEndpointConnections = connectionsOf(ctx.emu, r.id).map(renderConnection);
    return out;
  },
});

/** Events for a connection change: the connection resource itself and its private endpoint. */
export function publishConnectionChange(emu: EmulatorRuntime, conn: StoredResource, kind: 'write' | 'delete', includeConnection = true): void {
  const tenantId = emu.options.tenantId;
  if (includeConnection) emu.events.publishResource({ kind, resourceId: conn.id, resourceType: T.plsConn, subscriptionId: conn.subscriptionId, tenantId });
  const peId = conn.internal.peId as string | undefined;
  const pe = peId ? emu.state.get(peId) : undefined;
  if (pe) {
    pe.etag = newEtag();
    emu.events.publishResource({ kind: 'write', resourceId: pe.id, resourceType: T.pe, subscriptionId: pe.subscriptionId, tenantId });
  }
}

/** Creates the PLS-side connection for a new private endpoint and returns it. */
export function createConnection(
  emu: EmulatorRuntime,
  pls: StoredResource,
  pe: { id: string; name: string; subscriptionId: string; location: string },
  opts: { manual: boolean; requestMessage?: string },
): StoredResource {
  const name = `${pe.name}.${randomUUID()}`;
  const approved = isAutoApproved(pls, pe.subscriptionId) || (!opts.manual && pls.subscriptionId.toLowerCase() === pe.subscriptionId.toLowerCase());
  const now = emu.clock.iso();
  const conn: StoredResource = {
    id: `${pls.id}/privateEndpointConnections/${name}`,
    type: T.plsConn,
    name,
    subscriptionId: pls.subscriptionId,
    resourceGroup: pls.resourceGroup,
    etag: newEtag(),
    body: {
      properties: {
        provisioningState: 'Succeeded',
        privateEndpoint: { id: pe.id },
        privateEndpointLocation: pe.location,
        privateLinkServiceConnectionState: approved
          ? { status: 'Approved', description: 'Auto-Approved', actionsRequired: 'None' }
          : { status: 'Pending', description: opts.requestMessage ?? 'Awaiting approval', actionsRequired: 'None' },
        linkIdentifier: String(Math.floor(Math.random() * 2 ** 31)),
      },
    },
    internal: { peId: pe.id },
    createdAt: now,
    updatedAt: now,
  };
  emu.state.set(conn);
  return conn;
}

const STATUSES = ['Approved', 'Rejected', 'Pending', 'Removed'];

const connStored = storedResourceHandlers({
  type: T.plsConn,
  longRunning: true,
  tracked: false,
  provisioningState: true,
  build() {
    return { body: {} };
  },
  afterDelete(ctx, c) {
    // The generic delete already published the connection's own delete event.
    publishConnectionChange(ctx.emu, c, 'delete', false);
  },
});

/**
 * PUT = approve/reject an existing connection (synchronous in ARM: 200 with the connection).
 * - The service must exist (404 ResourceNotFound naming it); a connection name it does not have
 *   is 400 PrivateEndpointConnectionCannotBeCreatedByServiceProvider (NET-3, azure-sdk-for-go#9484):
 *   the provider can only change connections that endpoints created.
 * - Body as the published example (PrivateLinkServiceUpdatePrivateEndpointConnection.json): `name`
 *   and `properties.privateEndpoint.id` (read-only in the spec: the SDK leaves it out), when sent,
 *   must be this connection's (NET-5; Azure's answer to a mismatch is undocumented: 400).
 * - Rejected is final (NET-4).
 */
function updateConnection(ctx: ArmContext) {
  const body = requireObjectBody(ctx);
  const path = ctx.req.path;
  const pls = ctx.emu.state.get(path.parentId);
  if (!pls || pls.type !== T.pls) throw resourceNotFound(T.pls, path.names[0], path.resourceGroup);
  const conn = ctx.emu.state.get(path.id);
  checkPreconditions(preconditionHeaders(ctx), conn?.etag, `privateLinkServices/${path.names.join('/privateEndpointConnections/')}`);
  if (!conn) {
    throw new ArmError(
      400,
      'PrivateEndpointConnectionCannotBeCreatedByServiceProvider',
      `Private endpoint connection ${path.names[1]} does not exist on private link service ${pls.id}; a private endpoint connection cannot be created by the service provider, only by a private endpoint.`,
    );
  }
  const p = (isObject(body.properties) ? body.properties : {}) as Json;
  const st = p.privateLinkServiceConnectionState;
  const problems: string[] = [];
  if (body.name !== undefined && String(body.name).toLowerCase() !== conn.name.toLowerCase()) problems.push(`name '${String(body.name)}' is not the name of the connection in the URL (${conn.name}).`);
  const peId = refId(p.privateEndpoint);
  if (p.privateEndpoint !== undefined && peId?.toLowerCase() !== String(conn.internal.peId ?? '').toLowerCase()) {
    problems.push(`properties.privateEndpoint.id ${peId ?? '(none)'} is not the private endpoint of connection ${conn.name} (${String(conn.internal.peId)}).`);
  }
  if (!isObject(st)) problems.push('properties.privateLinkServiceConnectionState is required.');
  else {
    if (!STATUSES.includes(String(st.status))) problems.push(`privateLinkServiceConnectionState.status must be one of ${STATUSES.join(', ')}.`);
    if (st.description !== undefined && typeof st.description !== 'string') problems.push('privateLinkServiceConnectionState.description must be a string.');
  }
  if (problems.length) throw invalidParameters(problems);
  const state = st as Json;
  const cur = (props(conn).privateLinkServiceConnectionState ?? {}) as Json;
  if (cur.status === 'Rejected' && state.status !== 'Rejected') {
    // NET-4: NRP's own code is undocumented; this is the documented answer of the same rule
    // elsewhere (azure-docs PR #86823: "(BadRequest) Approving rejected private endpoint
    // connections is not supported."). Any way out of Rejected is refused (stricter).
    throw new ArmError(400, 'BadRequest', `Approving rejected private endpoint connections is not supported. Connection ${conn.id} is Rejected; the consumer must create a new private endpoint.`);
  }
  if (ctx.emu.lro.pendingFor(conn.id)) throw conflict('AnotherOperationInProgress', `Another operation on ${conn.id} is in progress.`);
  props(conn).privateLinkServiceConnectionState = {
    status: state.status,
    description: state.description ?? '',
    actionsRequired: state.actionsRequired ?? 'None',
  };
  conn.etag = newEtag();
  conn.updatedAt = ctx.emu.clock.iso();
  publishConnectionChange(ctx.emu, conn, 'write');
  return { status: 200, body: renderConnection(conn) };
}

const connType: ResourceTypeHandler = { type: T.plsConn, get: connStored.get, list: connStored.list, delete: connStored.delete, put: updateConnection };

// NET-2: an LB frontend used by a PLS cannot go away with its LB. Code, status and message as Learn
// shows them (AKS troubleshooting, "A load balancer with a private link service ... can't be deleted").
lbDeleteGuards.push((ctx, lb) => {
  const prefix = `${lb.id}/frontendIPConfigurations/`.toLowerCase();
  const users = ctx.emu.state
    .list(T.pls)
    .filter((pls) => ((props(pls).loadBalancerFrontendIpConfigurations as Json[]) ?? []).some((f) => refId(f)?.toLowerCase().startsWith(prefix)));
  if (users.length) {
    throw new ArmError(
      400,
      'CannotDeleteLoadBalancerWithPrivateLinkService',
      `Cannot delete load balancer ${lb.id} since it is referenced by private link service ${users.map((u) => u.id).join(', ')}. Please delete private link service prior to deleting load balancer.`,
    );
  }
});

// A load balancer whose frontend a PLS uses cannot get IP-based backend pools either.
lbWriteGuards.push((ctx, lbId, p) => {
  const prefix = `${lbId}/frontendIPConfigurations/`.toLowerCase();
  const users = ctx.emu.state
    .list(T.pls)
    .filter((pls) => ((props(pls).loadBalancerFrontendIpConfigurations as Json[]) ?? []).some((f) => refId(f)?.toLowerCase().startsWith(prefix)));
  if (users.length === 0) return;
  const problems = users.flatMap((pls) => ipBasedProblems(lbId, p, pls.id));
  if (problems.length) throw plsProblems(problems, []);
});

export const privateLinkServiceTypes: ResourceTypeHandler[] = [plsType, connType];
