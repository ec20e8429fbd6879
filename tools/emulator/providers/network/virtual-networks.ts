import { randomUUID } from 'node:crypto';
import { conflict, invalidParameters } from '../../arm/errors';
import { newEtag } from '../../arm/etag';
import { isObject, storedResourceHandlers, renderStored } from '../../arm/stored-resource';
import type { EmulatorRuntime, ResourceTypeHandler } from '../../arm/types';
import { cidrContains, parseCidr } from '../../state/ip-allocator';
import type { StoredResource } from '../../state/store';
import type { SubnetSeed, VirtualNetworkSeed } from '../../topology/topology';
import { props, T, type Json } from './common';

/**
 * Virtual networks and subnets. Subnets are stored as their own resources (so IP allocation and
 * "subnet in use" checks have one place) and embedded into the VNet when it is rendered.
 * A subnet is in use while any address in it is allocated (NICs, LB frontends, PLS NAT IPs,
 * container groups): deleting it, or a VNet PUT that drops it, answers 409 InUseSubnetCannotBeDeleted.
 */
function subnetProblems(name: string, p: Json, vnetPrefixes: string[]): string[] {
  const problems: string[] = [];
  const prefix = p.addressPrefix;
  if (typeof prefix !== 'string' || !parseCidr(prefix)) problems.push(`Subnet '${name}': addressPrefix must be an IPv4 CIDR.`);
  else if (vnetPrefixes.length && !vnetPrefixes.some((vp) => cidrContains(vp, prefix.split('/')[0]))) {
    problems.push(`Subnet '${name}' is not valid because its IP address range ${prefix} is outside the address space of the virtual network (${vnetPrefixes.join(', ')}).`);
  }
  for (const k of ['privateEndpointNetworkPolicies', 'privateLinkServiceNetworkPolicies']) {
    if (p[k] !== undefined && !['Enabled', 'Disabled', 'NetworkSecurityGroupEnabled', 'RouteTableEnabled'].includes(String(p[k]))) {
      problems.push(`Subnet '${name}': ${k} must be Enabled or Disabled.`);
    }
  }
  if (p.delegations !== undefined && !Array.isArray(p.delegations)) problems.push(`Subnet '${name}': delegations must be an array.`);
  return problems;
}

function subnetBody(vnetId: string, name: string, p: Json): Json {
  const delegations = Array.isArray(p.delegations)
    ? p.delegations.map((d: unknown, i: number) => {
        const dd = (isObject(d) ? d : {}) as Json;
        const dp = (isObject(dd.properties) ? dd.properties : {}) as Json;
        const dn = String(dd.name ?? `delegation${i}`);
        return {
          name: dn,
          id: `${vnetId}/subnets/${name}/delegations/${dn}`,
          type: 'Microsoft.Network/virtualNetworks/subnets/delegations',
          properties: { serviceName: dp.serviceName, actions: dp.actions ?? [], provisioningState: 'Succeeded' },
        };
      })
    : [];
  return {
    properties: {
      addressPrefix: p.addressPrefix,
      delegations,
      privateEndpointNetworkPolicies: p.privateEndpointNetworkPolicies ?? 'Disabled',
      privateLinkServiceNetworkPolicies: p.privateLinkServiceNetworkPolicies ?? 'Enabled',
      provisioningState: 'Succeeded',
    },
  };
}

function subnetInUse(emu: EmulatorRuntime, subnet: StoredResource): string[] {
  return emu.state.ips.allocations(subnet.id.toLowerCase()).map((a) => a.owner);
}

function assertSubnetFree(emu: EmulatorRuntime, subnet: StoredResource): void {
  const owners = subnetInUse(emu, subnet);
  if (owners.length) {
    throw conflict(
      'InUseSubnetCannotBeDeleted',
      `Subnet ${subnet.name} is in use by ${[...new Set(owners)].join(', ')} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet.`,
    );
  }
}

/** Writes a subnet resource directly (seeding and VNet PUT). */
export function storeSubnet(emu: EmulatorRuntime, vnet: StoredResource, name: string, p: Json): StoredResource {
  const id = `${vnet.id}/subnets/${name}`;
  const existing = emu.state.get(id);
  const now = emu.clock.iso();
  const r: StoredResource = {
    id: existing?.id ?? id,
    type: T.subnet,
    name: existing?.name ?? name,
    subscriptionId: vnet.subscriptionId,
    resourceGroup: vnet.resourceGroup,
    etag: newEtag(),
    body: subnetBody(vnet.id, existing?.name ?? name, p),
    internal: {},
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  emu.state.set(r);
  return r;
}

function renderSubnet(emu: EmulatorRuntime, s: StoredResource): Json {
  const out = renderStored(s);
  const owners = subnetInUse(emu, s);
  const ipConfigs = [...new Set(owners)].map((id) => ({ id }));
  if (ipConfigs.length) (out.properties as Json).ipConfigurations = ipConfigs;
  return out;
}

const vnetType = storedResourceHandlers({
  type: T.vnet,
  longRunning: true,
  tracked: true,
  patch: 'tags',
  provisioningState: true,
  build(ctx, { body, id }) {
    const p = (isObject(body.properties) ? body.properties : {}) as Json;
    const problems: string[] = [];
    const space = isObject(p.addressSpace) ? (p.addressSpace as Json).addressPrefixes : undefined;
    if (!Array.isArray(space) || space.length === 0 || !space.every((x) => typeof x === 'string' && parseCidr(x))) {
      problems.push('properties.addressSpace.addressPrefixes must be a non-empty array of IPv4 CIDRs.');
    }
    const subnets = p.subnets === undefined ? [] : p.subnets;
    if (!Array.isArray(subnets)) problems.push('properties.subnets must be an array.');
    const wanted = new Map<string, Json>();
    if (Array.isArray(subnets)) {
      subnets.forEach((s: unknown, i: number) => {
        const sn = (isObject(s) ? s : {}) as Json;
        if (typeof sn.name !== 'string' || sn.name === '') problems.push(`properties.subnets[${i}].name is required.`);
        else {
          problems.push(...subnetProblems(sn.name, (isObject(sn.properties) ? sn.properties : {}) as Json, Array.isArray(space) ? (space as string[]) : []));
          wanted.set(sn.name.toLowerCase(), sn);
        }
      });
    }
    // Custom DNS servers of the VNet (VirtualNetworkPropertiesFormat.dhcpOptions.dnsServers): kept
    // and returned; NICs use them, VNet-injected container groups do not (containerinstance/dns.ts).
    const dhcp = p.dhcpOptions;
    const dnsServers = isObject(dhcp) ? (dhcp as Json).dnsServers : undefined;
    if (dhcp !== undefined && (!isObject(dhcp) || (dnsServers !== undefined && (!Array.isArray(dnsServers) || !dnsServers.every((x) => typeof x === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(x)))))) {
      problems.push('properties.dhcpOptions.dnsServers must be an array of IPv4 addresses.');
    }
    if (problems.length) throw invalidParameters(problems);
    // PUT is a full replace: subnets left out are deleted, which is refused while they are in use.
    for (const s of ctx.emu.state.children(id, T.subnet)) if (!wanted.has(s.name.toLowerCase())) assertSubnetFree(ctx.emu, s);
    return {
      body: {
        properties: {
          addressSpace: { addressPrefixes: space },
          ...(Array.isArray(dnsServers) && dnsServers.length ? { dhcpOptions: { dnsServers } } : {}),
          enableDdosProtection: false,
          resourceGuid: randomUUID(),
          provisioningState: 'Succeeded',
        },
      },
      internal: { wantedSubnets: [...wanted.values()] },
    };
  },
  afterWrite(ctx, r) {
    const wanted = (r.internal.wantedSubnets as Json[]) ?? [];
    delete r.internal.wantedSubnets;
    const keep = new Set(wanted.map((s) => String(s.name).toLowerCase()));
    for (const s of ctx.emu.state.children(r.id, T.subnet)) if (!keep.has(s.name.toLowerCase())) ctx.emu.state.delete(s.id);
    for (const s of wanted) storeSubnet(ctx.emu, r, String(s.name), (isObject(s.properties) ? s.properties : {}) as Json);
  },
  beforeDelete(ctx, r) {
    for (const s of ctx.emu.state.children(r.id, T.subnet)) assertSubnetFree(ctx.emu, s);
  },
  afterDelete(ctx, r) {
    for (const s of ctx.emu.state.children(r.id, T.subnet)) ctx.emu.state.delete(s.id);
  },
  render(ctx, r, out) {
    (out.properties as Json).subnets = ctx.emu.state.children(r.id, T.subnet).map((s) => renderSubnet(ctx.emu, s));
    return out;
  },
});

const subnetType = storedResourceHandlers({
  type: T.subnet,
  longRunning: true,
  tracked: false,
  provisioningState: true,
  build(ctx, { body }) {
    const vnet = ctx.emu.state.get(ctx.req.path.parentId);
    const space = vnet ? ((props(vnet).addressSpace as Json)?.addressPrefixes as string[]) : [];
    const p = (isObject(body.properties) ? body.properties : {}) as Json;
    const name = ctx.req.path.names[1];
    const problems = subnetProblems(name, p, space ?? []);
    if (problems.length) throw invalidParameters(problems);
    return { body: subnetBody(ctx.req.path.parentId, name, p) };
  },
  beforeDelete(ctx, r) {
    assertSubnetFree(ctx.emu, r);
  },
  render(ctx, r) {
    return renderSubnet(ctx.emu, r);
  },
});

export const virtualNetworkTypes: ResourceTypeHandler[] = [vnetType, subnetType];

/** Seeds one VNet with its subnets from the topology. */
export function seedVirtualNetwork(emu: EmulatorRuntime, subscriptionId: string, rg: StoredResource, v: VirtualNetworkSeed): void {
  const id = `/subscriptions/${subscriptionId}/resourceGroups/${rg.name}/providers/Microsoft.Network/virtualNetworks/${v.name}`;
  const now = emu.clock.iso();
  const vnet: StoredResource = {
    id,
    type: T.vnet,
    name: v.name,
    subscriptionId,
    resourceGroup: rg.name,
    etag: newEtag(),
    body: {
      location: rg.body.location,
      ...(v.tags ? { tags: v.tags } : {}),
      properties: { addressSpace: { addressPrefixes: v.addressPrefixes }, enableDdosProtection: false, resourceGuid: randomUUID(), provisioningState: 'Succeeded' },
    },
    internal: {},
    createdAt: now,
    updatedAt: now,
  };
  emu.state.set(vnet);
  for (const s of v.subnets) storeSubnet(emu, vnet, s.name, seedSubnetProps(s));
}

function seedSubnetProps(s: SubnetSeed): Json {
  return {
    addressPrefix: s.addressPrefix,
    privateEndpointNetworkPolicies: s.privateEndpointNetworkPolicies,
    privateLinkServiceNetworkPolicies: s.privateLinkServiceNetworkPolicies,
    delegations: (s.delegations ?? []).map((serviceName, i) => ({ name: `delegation${i}`, properties: { serviceName } })),
  };
}

