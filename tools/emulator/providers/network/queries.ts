import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { backendPoolMembers, props, refId, T, vnetOfSubnet, type BackendMember, type Json } from './common';
import { frontendIp } from './load-balancers';

/**
 * Read-only questions about the network state, for the simulated data path (emulator/datapath)
 * and metrics, so they never depend on how resources are stored:
 * name resolution through Private DNS zones linked to a VNet, who owns an IP in a VNet, which
 * load-balancer frontends a private link service fronts, which LB rules carry a port.
 */
const ZONE = 'Microsoft.Network/privateDnsZones';
const LINK = 'Microsoft.Network/privateDnsZones/virtualNetworkLinks';
const A = 'Microsoft.Network/privateDnsZones/A';

export { vnetOfSubnet, backendPoolMembers, type BackendMember };

/** Private DNS zones with a virtual network link to `vnetId` (any subscription). */
export function linkedZones(emu: EmulatorRuntime, vnetId: string): StoredResource[] {
  const v = vnetId.toLowerCase();
  return emu.state.list(ZONE).filter((z) => emu.state.children(z.id, LINK).some((l) => String(refId(props(l).virtualNetwork)).toLowerCase() === v));
}

export interface NameResolution {
  /** IPv4 addresses; empty when the name does not resolve. */
  ips: string[];
  zone?: string;
  record?: string;
  /** Why it did not resolve (no linked zone for the name, or no A record). */
  reason?: string;
}

/** Resolves `fqdn` the way Azure-provided DNS does for a VNet: through the zones linked to it. */
export function resolveName(emu: EmulatorRuntime, vnetId: string, fqdn: string): NameResolution {
  const name = fqdn.toLowerCase().replace(/\.$/, '');
  const zones = linkedZones(emu, vnetId)
    .filter((z) => name === z.name.toLowerCase() || name.endsWith(`.${z.name.toLowerCase()}`))
    .sort((a, b) => b.name.length - a.name.length);
  const zone = zones[0];
  if (!zone) return { ips: [], reason: `no private DNS zone linked to ${vnetId} contains ${name}` };
  const rel = name === zone.name.toLowerCase() ? '@' : name.slice(0, -(zone.name.length + 1));
  const rec = emu.state.get(`${zone.id}/A/${rel}`);
  if (!rec || rec.type !== A) return { ips: [], zone: zone.name, record: rel, reason: `zone ${zone.name} has no A record '${rel}'` };
  const ips = ((props(rec).aRecords as Json[]) ?? []).map((a) => String(a.ipv4Address));
  return { ips, zone: zone.name, record: rel, ...(ips.length ? {} : { reason: `A record '${rel}' in ${zone.name} has no addresses` }) };
}

export type IpOwner =
  | { kind: 'loadBalancerFrontend'; ip: string; loadBalancer: StoredResource; frontendName: string; frontendId: string }
  | { kind: 'privateEndpoint'; ip: string; privateEndpoint: StoredResource; nicId: string; connection?: { id: string; status: string; privateLinkServiceId: string } }
  | { kind: 'privateLinkServiceNat'; ip: string; privateLinkService: StoredResource }
  | { kind: 'other'; ip: string; ownerId: string };

/** Who holds `ip` in one of the VNet's subnets; undefined when nobody does. */
export function ipOwnerInVnet(emu: EmulatorRuntime, vnetId: string, ip: string): IpOwner | undefined {
  for (const subnet of emu.state.children(vnetId, T.subnet)) {
    const hit = emu.state.ips.allocations(subnet.id.toLowerCase()).find((a) => a.ip === ip);
    if (!hit) continue;
    return describeOwner(emu, ip, hit.owner);
  }
  return undefined;
}

function describeOwner(emu: EmulatorRuntime, ip: string, ownerId: string): IpOwner {
  const fe = /^(.*\/providers\/Microsoft\.Network\/loadBalancers\/[^/]+)\/frontendIPConfigurations\/([^/]+)$/i.exec(ownerId);
  if (fe) {
    const lb = emu.state.get(fe[1]);
    if (lb) return { kind: 'loadBalancerFrontend', ip, loadBalancer: lb, frontendName: fe[2], frontendId: ownerId };
  }
  const owner = emu.state.get(ownerId);
  if (owner?.type === T.pls) return { kind: 'privateLinkServiceNat', ip, privateLinkService: owner };
  if (owner?.type === T.nic) {
    const peId = refId(props(owner).privateEndpoint);
    const pe = peId ? emu.state.get(peId) : undefined;
    if (pe) {
      const link = ((pe.internal.connections ?? []) as Array<{ connId: string; plsId: string }>)[0];
      const conn = link ? emu.state.get(link.connId) : undefined;
      const status = conn ? String((props(conn).privateLinkServiceConnectionState as Json)?.status) : 'Disconnected';
      return { kind: 'privateEndpoint', ip, privateEndpoint: pe, nicId: owner.id, ...(link ? { connection: { id: link.connId, status, privateLinkServiceId: link.plsId } } : {}) };
    }
  }
  return { kind: 'other', ip, ownerId };
}

export interface FrontendRef {
  loadBalancer: StoredResource;
  frontendName: string;
  frontendId: string;
  ip?: string;
}

/** The load-balancer frontends a private link service forwards to. */
export function privateLinkServiceFrontends(emu: EmulatorRuntime, plsId: string): FrontendRef[] {
  const pls = emu.state.get(plsId);
  if (!pls) return [];
  const out: FrontendRef[] = [];
  for (const f of (props(pls).loadBalancerFrontendIpConfigurations as Json[]) ?? []) {
    const id = refId(f) as string;
    const lb = emu.state.get(id.split('/').slice(0, -2).join('/'));
    const frontendName = id.split('/').pop() as string;
    if (lb) out.push({ loadBalancer: lb, frontendName, frontendId: id, ip: frontendIp(lb, frontendName) });
  }
  return out;
}

export interface RuleMatch {
  ruleName: string;
  ruleId: string;
  protocol: string;
  frontendPort: number;
  backendPort: number;
  backendPoolId?: string;
  probe?: { id: string; protocol: string; port: number; requestPath?: string; intervalInSeconds: number; numberOfProbes: number };
}

/** Load-balancing rules of `lb` on frontend `frontendName` that carry TCP `port` (protocol Tcp or All). */
export function rulesForPort(lb: StoredResource, frontendName: string, port: number): RuleMatch[] {
  const feId = `${lb.id}/frontendIPConfigurations/${frontendName}`.toLowerCase();
  const probes = (props(lb).probes as Json[]) ?? [];
  return ((props(lb).loadBalancingRules as Json[]) ?? [])
    .map((r) => ({ name: String(r.name), p: (r.properties ?? {}) as Json }))
    .filter(({ p }) => refId(p.frontendIPConfiguration)?.toLowerCase() === feId && ['Tcp', 'All'].includes(String(p.protocol)) && (p.frontendPort === port || p.frontendPort === 0))
    .map(({ name, p }) => {
      const probeId = refId(p.probe);
      const probe = probeId ? probes.find((x) => `${lb.id}/probes/${String(x.name)}`.toLowerCase() === probeId.toLowerCase()) : undefined;
      const pp = (probe?.properties ?? {}) as Json;
      const poolRef = p.backendAddressPool ?? (Array.isArray(p.backendAddressPools) ? p.backendAddressPools[0] : undefined);
      return {
        ruleName: name,
        ruleId: `${lb.id}/loadBalancingRules/${name}`,
        protocol: String(p.protocol),
        frontendPort: Number(p.frontendPort),
        // frontendPort 0 = HA ports: the backend port is the requested one.
        backendPort: p.frontendPort === 0 ? port : Number(p.backendPort),
        backendPoolId: refId(poolRef),
        ...(probe
          ? { probe: { id: probeId as string, protocol: String(pp.protocol), port: Number(pp.port), requestPath: pp.requestPath as string | undefined, intervalInSeconds: Number(pp.intervalInSeconds ?? 15), numberOfProbes: Number(pp.numberOfProbes ?? 2) } }
          : {}),
      };
    });
}
