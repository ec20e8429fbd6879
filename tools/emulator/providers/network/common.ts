import { ArmError, invalidParameters } from '../../arm/errors';
import { parseResourceId } from '../../arm/resource-path';
import { isObject } from '../../arm/stored-resource';
import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';

/**
 * Helpers shared by the network resource types, and exported for other providers (compute puts
 * scale-set NICs into subnets and load-balancer backend pools with allocateIp/joinBackendPool).
 */
export const NS = 'Microsoft.Network';
export const T = {
  vnet: 'Microsoft.Network/virtualNetworks',
  subnet: 'Microsoft.Network/virtualNetworks/subnets',
  nic: 'Microsoft.Network/networkInterfaces',
  lb: 'Microsoft.Network/loadBalancers',
  pls: 'Microsoft.Network/privateLinkServices',
  plsConn: 'Microsoft.Network/privateLinkServices/privateEndpointConnections',
  pe: 'Microsoft.Network/privateEndpoints',
} as const;

export type Json = Record<string, unknown>;

export function props(r: StoredResource | Json): Json {
  const body = 'body' in r && isObject((r as StoredResource).body) ? (r as StoredResource).body : (r as Json);
  if (!isObject(body.properties)) body.properties = {};
  return body.properties as Json;
}

export function refId(v: unknown): string | undefined {
  return isObject(v) && typeof v.id === 'string' ? v.id : undefined;
}

/** Subnet referenced by id in a request; 400 InvalidResourceReference naming the referrer when absent. */
export function requireSubnet(emu: EmulatorRuntime, subnetRef: unknown, referrer: string, problems: string[]): StoredResource | undefined {
  const id = refId(subnetRef);
  if (!id) {
    problems.push(`${referrer}: subnet.id is required.`);
    return undefined;
  }
  const s = emu.state.get(id);
  if (!s || s.type !== T.subnet) {
    problems.push(`Resource ${id} referenced by resource ${referrer} was not found.`);
    return undefined;
  }
  return s;
}

/** Service names a subnet is delegated to. */
export function delegationsOf(subnet: StoredResource): string[] {
  const d = props(subnet).delegations;
  return Array.isArray(d) ? d.map((x) => String(((x as Json).properties as Json | undefined)?.serviceName ?? '')).filter((x) => x !== '') : [];
}

/** Private endpoints, PLS NAT IPs and LB frontends cannot live in a delegated subnet (Azure refuses them). */
export function refuseDelegated(subnet: StoredResource | undefined, what: string, problems: string[]): void {
  if (!subnet) return;
  const d = delegationsOf(subnet);
  if (d.length) problems.push(`Subnet ${subnet.id} is delegated to ${d.join(', ')} and cannot be used for ${what}.`);
}

export function subnetPrefix(subnet: StoredResource): string {
  return String(props(subnet).addressPrefix);
}

/** Allocates an IP in a subnet for `owner` (a resource id); `requested` = static address. */
export function allocateIp(emu: EmulatorRuntime, subnet: StoredResource, owner: string, requested?: string): string {
  return emu.state.ips.allocate(subnet.id.toLowerCase(), subnetPrefix(subnet), owner, requested);
}

/** The VNet id of a subnet id. */
export function vnetOfSubnet(subnetId: string): string {
  return subnetId.split('/').slice(0, -2).join('/');
}

export function invalidReference(problems: string[]): ArmError {
  return invalidParameters(problems, 'InvalidResourceReference');
}

// ---- Load-balancer backend pool membership (NIC ip configurations that sit in a pool) ----

export interface BackendMember {
  /** The NIC ip configuration id (what Azure lists as backendIPConfigurations[].id). */
  ipConfigurationId: string;
  ip: string;
}

type PoolBag = Record<string, BackendMember[]>;

function pools(emu: EmulatorRuntime): PoolBag {
  return emu.state.bag<PoolBag>('network.backendPools', () => ({}));
}

/** Puts a NIC ip configuration into a backend pool (compute calls this for scale-set instances). */
export function joinBackendPool(emu: EmulatorRuntime, poolId: string, member: BackendMember): void {
  const bag = pools(emu);
  const k = poolId.toLowerCase();
  const list = (bag[k] ??= []);
  if (!list.some((m) => m.ipConfigurationId.toLowerCase() === member.ipConfigurationId.toLowerCase())) list.push(member);
}

export function leaveBackendPool(emu: EmulatorRuntime, poolId: string, ipConfigurationId: string): void {
  const bag = pools(emu);
  const k = poolId.toLowerCase();
  if (bag[k]) bag[k] = bag[k].filter((m) => m.ipConfigurationId.toLowerCase() !== ipConfigurationId.toLowerCase());
}

export function backendPoolMembers(emu: EmulatorRuntime, poolId: string): BackendMember[] {
  return [...(pools(emu)[poolId.toLowerCase()] ?? [])];
}

/** A backend pool id exists when its load balancer has a pool of that name. */
export function backendPoolExists(emu: EmulatorRuntime, poolId: string): boolean {
  const p = parseResourceId(poolId);
  if (!p || p.types.length !== 2 || p.types[1].toLowerCase() !== 'backendaddresspools') return false;
  const lb = emu.state.get(poolId.split('/').slice(0, -2).join('/'));
  if (!lb) return false;
  const list = props(lb).backendAddressPools;
  return Array.isArray(list) && list.some((bp) => isObject(bp) && String(bp.name).toLowerCase() === p.names[1].toLowerCase());
}
