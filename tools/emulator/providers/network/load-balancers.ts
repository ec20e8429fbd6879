import { conflict, invalidParameters } from '../../arm/errors';
import { isObject, storedResourceHandlers } from '../../arm/stored-resource';
import type { ArmContext, ResourceTypeHandler } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { allocateIp, backendPoolMembers, props, refId, refuseDelegated, requireSubnet, T, type Json } from './common';
import { randomUUID } from 'node:crypto';

/**
 * Internal Standard load balancers: frontend IPs from a subnet (Dynamic = lowest free, Static =
 * as requested), backend pools (NIC-based; members join through joinBackendPool from the compute
 * provider and appear as backendIPConfigurations), probes, load-balancing rules and inbound NAT
 * rules, with the cross references ARM adds (rule ids on frontends, pools and probes).
 * IP-based pools (`loadBalancerBackendAddresses` with ipAddress + virtualNetwork/subnet) are stored
 * as given and only matter to private link services (see ipBasedPools).
 * Deleting an LB whose frontend a private link service uses answers 400
 * CannotDeleteLoadBalancerWithPrivateLinkService (AZURE-RULES NET-2); one whose pool still has
 * members answers 409.
 */
const CHILD_TYPES = {
  frontendIPConfigurations: 'Microsoft.Network/loadBalancers/frontendIPConfigurations',
  backendAddressPools: 'Microsoft.Network/loadBalancers/backendAddressPools',
  probes: 'Microsoft.Network/loadBalancers/probes',
  loadBalancingRules: 'Microsoft.Network/loadBalancers/loadBalancingRules',
  inboundNatRules: 'Microsoft.Network/loadBalancers/inboundNatRules',
} as const;
type ChildKey = keyof typeof CHILD_TYPES;

const port = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;

function named(list: unknown, key: string, problems: string[]): Json[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    problems.push(`properties.${key} must be an array.`);
    return [];
  }
  const seen = new Set<string>();
  return list.map((x, i) => {
    const o = (isObject(x) ? x : {}) as Json;
    if (typeof o.name !== 'string' || o.name === '') problems.push(`properties.${key}[${i}].name is required.`);
    else if (seen.has(o.name.toLowerCase())) problems.push(`properties.${key}[${i}].name '${o.name}' is duplicated.`);
    else seen.add(o.name.toLowerCase());
    return o;
  });
}

function childProps(o: Json): Json {
  return (isObject(o.properties) ? o.properties : {}) as Json;
}

/** True when `ref` points at child `key` named in `names` of this LB. */
function refersTo(lbId: string, ref: unknown, key: ChildKey, names: Set<string>): boolean {
  const id = refId(ref);
  if (!id) return false;
  const prefix = `${lbId}/${key}/`.toLowerCase();
  return id.toLowerCase().startsWith(prefix) && names.has(id.slice(prefix.length).toLowerCase());
}

function validate(ctx: ArmContext, lbId: string, p: Json): { subnets: Map<string, StoredResource> } {
  const problems: string[] = [];
  const fes = named(p.frontendIPConfigurations, 'frontendIPConfigurations', problems);
  const pools = named(p.backendAddressPools, 'backendAddressPools', problems);
  const probes = named(p.probes, 'probes', problems);
  const rules = named(p.loadBalancingRules, 'loadBalancingRules', problems);
  named(p.inboundNatRules, 'inboundNatRules', problems);
  if (fes.length === 0) problems.push('properties.frontendIPConfigurations needs at least one frontend.');
  const subnets = new Map<string, StoredResource>();
  const names = (l: Json[]) => new Set(l.map((o) => String(o.name).toLowerCase()));
  const feNames = names(fes);
  const poolNames = names(pools);
  const probeNames = names(probes);
  fes.forEach((fe, i) => {
    const fp = childProps(fe);
    if (fp.publicIPAddress !== undefined) problems.push(`frontendIPConfigurations[${i}]: public frontends are not supported by the emulator (internal load balancers only).`);
    const s = requireSubnet(ctx.emu, fp.subnet, `${lbId}/frontendIPConfigurations/${String(fe.name)}`, problems);
    refuseDelegated(s, 'load balancer frontends', problems);
    if (s) subnets.set(String(fe.name).toLowerCase(), s);
    const method = fp.privateIPAllocationMethod ?? 'Dynamic';
    if (!['Dynamic', 'Static'].includes(String(method))) problems.push(`frontendIPConfigurations[${i}].properties.privateIPAllocationMethod must be Dynamic or Static.`);
    if (method === 'Static' && typeof fp.privateIPAddress !== 'string') problems.push(`frontendIPConfigurations[${i}]: a Static frontend needs privateIPAddress.`);
  });
  probes.forEach((pr, i) => {
    const pp = childProps(pr);
    if (!['Tcp', 'Http', 'Https'].includes(String(pp.protocol))) problems.push(`probes[${i}].properties.protocol must be Tcp, Http or Https.`);
    if (!(port(pp.port) && (pp.port as number) >= 1)) problems.push(`probes[${i}].properties.port must be 1-65535.`);
    if (pp.intervalInSeconds !== undefined && !(Number.isInteger(pp.intervalInSeconds) && (pp.intervalInSeconds as number) >= 5)) problems.push(`probes[${i}].properties.intervalInSeconds must be an integer >= 5.`);
    if ((pp.protocol === 'Http' || pp.protocol === 'Https') && typeof pp.requestPath !== 'string') problems.push(`probes[${i}]: an ${String(pp.protocol)} probe needs requestPath.`);
  });
  rules.forEach((r, i) => {
    const rp = childProps(r);
    if (!['Tcp', 'Udp', 'All'].includes(String(rp.protocol))) problems.push(`loadBalancingRules[${i}].properties.protocol must be Tcp, Udp or All.`);
    if (!port(rp.frontendPort)) problems.push(`loadBalancingRules[${i}].properties.frontendPort must be 0-65535.`);
    if (!port(rp.backendPort)) problems.push(`loadBalancingRules[${i}].properties.backendPort must be 0-65535.`);
    if (!refersTo(lbId, rp.frontendIPConfiguration, 'frontendIPConfigurations', feNames)) problems.push(`loadBalancingRules[${i}].properties.frontendIPConfiguration must reference a frontend of this load balancer.`);
    const poolRef = rp.backendAddressPool ?? (Array.isArray(rp.backendAddressPools) ? rp.backendAddressPools[0] : undefined);
    if (poolRef !== undefined && !refersTo(lbId, poolRef, 'backendAddressPools', poolNames)) problems.push(`loadBalancingRules[${i}].properties.backendAddressPool must reference a pool of this load balancer.`);
    if (rp.probe !== undefined && !refersTo(lbId, rp.probe, 'probes', probeNames)) problems.push(`loadBalancingRules[${i}].properties.probe must reference a probe of this load balancer.`);
    if (rp.idleTimeoutInMinutes !== undefined && !(Number.isInteger(rp.idleTimeoutInMinutes) && (rp.idleTimeoutInMinutes as number) >= 4 && (rp.idleTimeoutInMinutes as number) <= 100)) {
      problems.push(`loadBalancingRules[${i}].properties.idleTimeoutInMinutes must be 4-100.`);
    }
  });
  if (problems.length) throw invalidParameters(problems);
  return { subnets };
}

function child(lbId: string, key: ChildKey, o: Json, extra: Json): Json {
  const name = String(o.name);
  return { name, id: `${lbId}/${key}/${name}`, etag: '', type: CHILD_TYPES[key], properties: { ...childProps(o), ...extra, provisioningState: 'Succeeded' } };
}

/** Plugins (private link services) that reference LB frontends register a check here. */
export const lbDeleteGuards: Array<(ctx: ArmContext, lb: StoredResource) => void> = [];

/** Checks run before an LB write is accepted, with the LB's id and its new properties. */
export const lbWriteGuards: Array<(ctx: ArmContext, lbId: string, p: Json) => void> = [];

/**
 * IP-based backend pools: pools whose `loadBalancerBackendAddresses` entries are set by
 * (virtualNetwork, ipAddress) or (subnet, ipAddress) instead of NIC ip configurations joining the
 * pool. Returns each such pool with the addresses that make it IP-based.
 */
export function ipBasedPools(p: Json): Array<{ pool: string; addresses: string[] }> {
  const out: Array<{ pool: string; addresses: string[] }> = [];
  for (const pool of Array.isArray(p.backendAddressPools) ? (p.backendAddressPools as unknown[]) : []) {
    if (!isObject(pool)) continue;
    const addrs = childProps(pool).loadBalancerBackendAddresses;
    if (!Array.isArray(addrs)) continue;
    const ipBased = addrs
      .map((a) => (isObject(a) ? childProps(a) : {}))
      .filter((ap) => !isObject(ap.networkInterfaceIPConfiguration) && (ap.ipAddress !== undefined || isObject(ap.virtualNetwork) || isObject(ap.subnet)))
      .map((ap) => String(ap.ipAddress ?? '(no ipAddress)'));
    if (ipBased.length) out.push({ pool: String(pool.name), addresses: ipBased });
  }
  return out;
}

const lbType = storedResourceHandlers({
  type: T.lb,
  longRunning: true,
  tracked: true,
  patch: 'tags',
  provisioningState: true,
  build(ctx, { body, existing, id }) {
    const p = (isObject(body.properties) ? body.properties : {}) as Json;
    const { subnets } = validate(ctx, id, p);
    for (const guard of lbWriteGuards) guard(ctx, id, p);
    // Keep each frontend's address across updates; release the ones of removed frontends.
    const feIps: Record<string, string> = {};
    const oldIps = (existing?.internal.frontendIps ?? {}) as Record<string, string>;
    const fes = (p.frontendIPConfigurations as Json[]) ?? [];
    for (const fe of fes) {
      const fp = childProps(fe);
      const key = String(fe.name).toLowerCase();
      const owner = `${id}/frontendIPConfigurations/${String(fe.name)}`;
      const subnet = subnets.get(key) as StoredResource;
      const requested = fp.privateIPAllocationMethod === 'Static' ? String(fp.privateIPAddress) : oldIps[key];
      if (oldIps[key] && oldIps[key] !== requested) ctx.emu.state.ips.releaseOwner(owner);
      feIps[key] = allocateIp(ctx.emu, subnet, owner, requested);
    }
    for (const k of Object.keys(oldIps)) if (!(k in feIps)) ctx.emu.state.ips.releaseOwner(`${id}/frontendIPConfigurations/${k}`);
    const sku = isObject(body.sku) ? body.sku : { name: 'Standard', tier: 'Regional' };
    return {
      body: { sku, properties: { ...p, resourceGuid: (existing?.body.properties as Json | undefined)?.resourceGuid ?? randomUUID() } },
      internal: { frontendIps: feIps },
    };
  },
  beforeDelete(ctx, lb) {
    for (const guard of lbDeleteGuards) guard(ctx, lb);
    for (const pool of (props(lb).backendAddressPools as Json[]) ?? []) {
      const members = backendPoolMembers(ctx.emu, `${lb.id}/backendAddressPools/${String(pool.name)}`);
      if (members.length) {
        throw conflict(
          'LoadBalancerInUseByVirtualMachineScaleSet',
          `Cannot delete load balancer ${lb.id} since its child resources ${String(pool.name)} are in use by ${members.map((m) => m.ipConfigurationId).join(', ')}.`,
        );
      }
    }
  },
  render(ctx, lb, out) {
    const p = { ...(out.properties as Json) };
    const id = lb.id;
    const feIps = (lb.internal.frontendIps ?? {}) as Record<string, string>;
    const rules = ((p.loadBalancingRules as Json[]) ?? []).map((r) => child(id, 'loadBalancingRules', r, {}));
    const ruleRefs = (pred: (rp: Json) => boolean) => rules.filter((r) => pred(r.properties as Json)).map((r) => ({ id: r.id }));
    const matches = (ref: unknown, childId: string) => refId(ref)?.toLowerCase() === childId.toLowerCase();
    p.frontendIPConfigurations = ((p.frontendIPConfigurations as Json[]) ?? []).map((fe) => {
      const feId = `${id}/frontendIPConfigurations/${String(fe.name)}`;
      const fp = childProps(fe);
      return child(id, 'frontendIPConfigurations', fe, {
        privateIPAddress: feIps[String(fe.name).toLowerCase()],
        privateIPAllocationMethod: fp.privateIPAllocationMethod ?? 'Dynamic',
        privateIPAddressVersion: 'IPv4',
        loadBalancingRules: ruleRefs((rp) => matches(rp.frontendIPConfiguration, feId)),
      });
    });
    p.backendAddressPools = ((p.backendAddressPools as Json[]) ?? []).map((bp) => {
      const bpId = `${id}/backendAddressPools/${String(bp.name)}`;
      return child(id, 'backendAddressPools', bp, {
        backendIPConfigurations: backendPoolMembers(ctx.emu, bpId).map((m) => ({ id: m.ipConfigurationId })),
        loadBalancingRules: ruleRefs((rp) => matches(rp.backendAddressPool, bpId) || (Array.isArray(rp.backendAddressPools) && rp.backendAddressPools.some((x) => matches(x, bpId)))),
      });
    });
    p.probes = ((p.probes as Json[]) ?? []).map((pr) => {
      const prId = `${id}/probes/${String(pr.name)}`;
      const pp = childProps(pr);
      return child(id, 'probes', pr, {
        intervalInSeconds: pp.intervalInSeconds ?? 15,
        numberOfProbes: pp.numberOfProbes ?? 2,
        probeThreshold: pp.probeThreshold ?? 1,
        loadBalancingRules: ruleRefs((rp) => matches(rp.probe, prId)),
      });
    });
    p.loadBalancingRules = rules.map((r) => {
      const rp = r.properties as Json;
      return {
        ...r,
        properties: {
          enableFloatingIP: false,
          enableTcpReset: false,
          disableOutboundSnat: false,
          idleTimeoutInMinutes: 4,
          loadDistribution: 'Default',
          ...rp,
        },
      };
    });
    p.inboundNatRules = ((p.inboundNatRules as Json[]) ?? []).map((r) => child(id, 'inboundNatRules', r, {}));
    p.inboundNatPools = p.inboundNatPools ?? [];
    p.outboundRules = p.outboundRules ?? [];
    // Children share the LB's etag, as in ARM answers.
    for (const k of ['frontendIPConfigurations', 'backendAddressPools', 'probes', 'loadBalancingRules', 'inboundNatRules']) {
      for (const c of p[k] as Json[]) c.etag = lb.etag;
    }
    return { ...out, properties: p };
  },
});

export const loadBalancerTypes: ResourceTypeHandler[] = [lbType];

/** Frontend IP of an LB frontend id, for the data path and PLS. */
export function frontendIp(lb: StoredResource, frontendName: string): string | undefined {
  return ((lb.internal.frontendIps ?? {}) as Record<string, string>)[frontendName.toLowerCase()];
}

