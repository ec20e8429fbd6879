import { randomUUID } from 'node:crypto';
import { ArmError, invalidParameters } from '../../arm/errors';
import { isObject, storedResourceHandlers } from '../../arm/stored-resource';
import type { ResourceTypeHandler } from '../../arm/types';
import { isIpv4 } from '../../state/ip-allocator';
import type { StoredResource } from '../../state/store';
import { delegationsOf, props, requireSubnet, T, type Json } from './common';
import { createNic, deleteNic } from './network-interfaces';
import { createConnection, isAutoApproved, isVisibleTo, resolvePls } from './private-link-services';

/**
 * Private endpoints to private link services (by id or alias), automatic
 * (`privateLinkServiceConnections`) or manual (`manualPrivateLinkServiceConnections`). Creating one
 * creates its NIC (`<pe>.nic.<guid>`, an IP from the endpoint's subnet) and the connection on the
 * service; the endpoint shows the connection state the service side holds (Disconnected once the
 * provider deleted the connection). A service the endpoint's subscription cannot see answers 400
 * like ARM; an automatic request from a subscription that is neither the service's own nor in its
 * autoApproval answers 403 LinkedAuthorizationFailed (checked after visibility, before anything is
 * created). Deleting the endpoint deletes its NIC and the connection (events for both).
 */
const KINDS = ['privateLinkServiceConnections', 'manualPrivateLinkServiceConnections'] as const;

interface ConnLink {
  kind: (typeof KINDS)[number];
  name: string;
  plsId: string;
  connId: string;
  groupIds: unknown[];
  requestMessage?: string;
}

function notVisible(idOrAlias: string): ArmError {
  return new ArmError(
    400,
    'ThirdPartyPrivateLinkServiceProvidedDuringPrivateEndpointCreationDoesNotExistOrIsNotVisible',
    `Third-party Private Link Service Id ${idOrAlias} provided during private endpoint creation does not exist or is not visible to the subscription.`,
  );
}

/**
 * An automatic request (`privateLinkServiceConnections`) needs the right to approve connections on
 * the service (`privateEndpointConnectionsApproval/action`, a linked-scope check ARM makes before
 * the write): the service's own subscription has it in the emulator, as has a subscription in the
 * service's `autoApproval` (or `*`). Anyone else must send a manual request.
 */
function mayAutoConnect(pls: StoredResource, subscriptionId: string): boolean {
  return pls.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() || isAutoApproved(pls, subscriptionId);
}

/** The emulator accepts any token, so the client it names is a fixed placeholder. */
const CLIENT_ID = '00000000-0000-0000-0000-0000000000c1';

function linkedAuthorizationFailed(peId: string, linked: string): ArmError {
  return new ArmError(
    403,
    'LinkedAuthorizationFailed',
    `The client '${CLIENT_ID}' with object id '${CLIENT_ID}' has permission to perform action 'Microsoft.Network/privateEndpoints/write' on scope '${peId}'; however, it does not have permission to perform action(s) 'Microsoft.Network/privateLinkServices/privateEndpointConnectionsApproval/action' on the linked scope(s) '${linked}' (respectively) or the linked scope(s) are invalid.`,
  );
}

function requestedConnections(p: Json, problems: string[]): Array<{ kind: ConnLink['kind']; c: Json; cp: Json }> {
  const out: Array<{ kind: ConnLink['kind']; c: Json; cp: Json }> = [];
  for (const kind of KINDS) {
    const list = p[kind];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      problems.push(`properties.${kind} must be an array.`);
      continue;
    }
    list.forEach((c, i) => {
      const o = (isObject(c) ? c : {}) as Json;
      const cp = (isObject(o.properties) ? o.properties : {}) as Json;
      if (typeof cp.privateLinkServiceId !== 'string' || cp.privateLinkServiceId === '') problems.push(`properties.${kind}[${i}].properties.privateLinkServiceId is required.`);
      out.push({ kind, c: o, cp });
    });
  }
  if (out.length !== 1 && problems.length === 0) {
    problems.push('A private endpoint needs exactly one connection in privateLinkServiceConnections or manualPrivateLinkServiceConnections.');
  }
  return out;
}

const peType = storedResourceHandlers({
  type: T.pe,
  longRunning: true,
  tracked: true,
  patch: 'tags',
  provisioningState: true,
  build(ctx, { body, existing, id }) {
    const p = (isObject(body.properties) ? body.properties : {}) as Json;
    const problems: string[] = [];
    const subnet = requireSubnet(ctx.emu, p.subnet, id, problems);
    if (subnet && delegationsOf(subnet).length) {
      throw invalidParameters([`Subnet ${subnet.id} is delegated to ${delegationsOf(subnet).join(', ')} and cannot be used with a private endpoint.`], 'PrivateEndpointCannotBeCreatedInDelegatedSubnet');
    }
    const conns = requestedConnections(p, problems);
    const ipcs = Array.isArray(p.ipConfigurations) ? (p.ipConfigurations as Json[]) : [];
    const staticIp = ((ipcs[0]?.properties as Json | undefined)?.privateIPAddress as string | undefined) ?? undefined;
    if (staticIp !== undefined && !isIpv4(staticIp)) problems.push('properties.ipConfigurations[0].properties.privateIPAddress must be an IPv4 address.');
    if (problems.length) throw invalidParameters(problems);
    const { kind, c, cp } = conns[0];
    const pls = resolvePls(ctx.emu, String(cp.privateLinkServiceId));
    if (!pls || !isVisibleTo(pls, ctx.req.path.subscriptionId)) throw notVisible(String(cp.privateLinkServiceId));
    if (kind === 'privateLinkServiceConnections' && !mayAutoConnect(pls, ctx.req.path.subscriptionId)) throw linkedAuthorizationFailed(id, String(cp.privateLinkServiceId));
    if (existing) {
      const old = (existing.internal.connections as ConnLink[])[0];
      if (old.plsId.toLowerCase() !== pls.id.toLowerCase() || old.kind !== kind) {
        throw invalidParameters([`The private link service connection of private endpoint ${id} cannot be changed; delete and recreate the endpoint.`], 'CannotChangePrivateEndpointConnection');
      }
      if (props(existing).subnet && (props(existing).subnet as Json).id !== (subnet as StoredResource).id) {
        throw invalidParameters([`The subnet of private endpoint ${id} cannot be changed.`], 'CannotChangePrivateEndpointSubnet');
      }
    }
    const name = (c.name as string | undefined) ?? (existing?.internal.connections as ConnLink[] | undefined)?.[0]?.name ?? ctx.req.path.names[0];
    const link: Omit<ConnLink, 'connId'> = {
      kind,
      name,
      plsId: pls.id,
      groupIds: Array.isArray(cp.groupIds) ? cp.groupIds : [],
      requestMessage: cp.requestMessage as string | undefined,
    };
    return {
      body: {
        properties: {
          subnet: { id: (subnet as StoredResource).id },
          customNetworkInterfaceName: p.customNetworkInterfaceName,
          ipConfigurations: ipcs,
          applicationSecurityGroups: Array.isArray(p.applicationSecurityGroups) ? p.applicationSecurityGroups : [],
          customDnsConfigs: [],
        },
      },
      internal: { pending: { link, staticIp } },
    };
  },
  afterWrite(ctx, r, previous) {
    const pending = r.internal.pending as { link: Omit<ConnLink, 'connId'>; staticIp?: string };
    delete r.internal.pending;
    if (previous) {
      // Update: keep NIC and connection; refresh the request fields.
      const old = (previous.internal.connections as ConnLink[])[0];
      r.internal.connections = [{ ...old, groupIds: pending.link.groupIds, requestMessage: pending.link.requestMessage }];
      return;
    }
    const subnet = ctx.emu.state.get(String((props(r).subnet as Json).id)) as StoredResource;
    const location = String(r.body.location);
    const nicName = (props(r).customNetworkInterfaceName as string | undefined) || `${r.name}.nic.${randomUUID()}`;
    const nic = createNic(ctx.emu, {
      subscriptionId: r.subscriptionId,
      resourceGroup: r.resourceGroup as string,
      name: nicName,
      location,
      subnet,
      requestedIp: pending.staticIp,
      ipConfigurationName: `privateEndpointIpConfig.${randomUUID()}`,
      ipConfigurationExtra: { privateLinkConnectionProperties: { groupId: '', requiredMemberName: '', fqdns: [] } },
      attachedTo: { privateEndpoint: { id: r.id } },
    });
    const pls = ctx.emu.state.get(pending.link.plsId) as StoredResource;
    const conn = createConnection(ctx.emu, pls, { id: r.id, name: r.name, subscriptionId: r.subscriptionId, location }, { manual: pending.link.kind === 'manualPrivateLinkServiceConnections', requestMessage: pending.link.requestMessage });
    r.internal.nicId = nic.id;
    r.internal.connections = [{ ...pending.link, connId: conn.id }];
    // The endpoint's own write event follows when its operation completes. The connection's write on
    // the provider's topic is an emulator assumption (unconfirmed for Azure) that can be switched off.
    if (ctx.emu.events.switches.providerConnectionEvents) {
      ctx.emu.events.publishResource({ kind: 'write', resourceId: conn.id, resourceType: T.plsConn, subscriptionId: conn.subscriptionId, tenantId: ctx.emu.options.tenantId });
    }
  },
  afterDelete(ctx, r) {
    if (r.internal.nicId) deleteNic(ctx.emu, r.internal.nicId as string);
    for (const link of (r.internal.connections as ConnLink[]) ?? []) {
      const conn = ctx.emu.state.get(link.connId);
      if (!conn) continue;
      ctx.emu.state.delete(conn.id);
      if (ctx.emu.events.switches.providerConnectionEvents) {
        ctx.emu.events.publishResource({ kind: 'delete', resourceId: conn.id, resourceType: T.plsConn, subscriptionId: conn.subscriptionId, tenantId: ctx.emu.options.tenantId });
      }
    }
  },
  render(ctx, r, out) {
    const p = out.properties as Json;
    const links = (r.internal.connections as ConnLink[]) ?? [];
    for (const kind of KINDS) {
      p[kind] = links
        .filter((l) => l.kind === kind)
        .map((l) => {
          const conn = ctx.emu.state.get(l.connId);
          const state = conn
            ? (props(conn).privateLinkServiceConnectionState as Json)
            : { status: 'Disconnected', description: 'The private endpoint connection was removed by the private link service owner.', actionsRequired: 'None' };
          return {
            name: l.name,
            id: `${r.id}/${kind}/${l.name}`,
            etag: r.etag,
            type: `${T.pe}/${kind}`,
            properties: {
              provisioningState: 'Succeeded',
              privateLinkServiceId: l.plsId,
              groupIds: l.groupIds,
              ...(l.requestMessage !== undefined ? { requestMessage: l.requestMessage } : {}),
              privateLinkServiceConnectionState: state,
            },
          };
        });
    }
    p.networkInterfaces = r.internal.nicId ? [{ id: r.internal.nicId }] : [];
    if (p.customNetworkInterfaceName === undefined) delete p.customNetworkInterfaceName;
    return out;
  },
});

export const privateEndpointTypes: ResourceTypeHandler[] = [peType];
