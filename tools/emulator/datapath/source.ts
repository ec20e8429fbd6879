import type { EmulatorRuntime } from '../arm/types';
import { cidrContains, intToIp, parseCidr } from '../state/ip-allocator';
import { props, subnetPrefix, type Json } from '../providers/network/common';

/**
 * The source address a forwarder node sees, and whether its manifest's `allowedSources` lets it
 * in. A node DNATs only sources in that set (the nftables `allowed_sources`); anything else falls
 * to the input chain and is dropped silently, so the client times out.
 *   - through a private endpoint: the private link service SNATs to its NAT IP (the primary one);
 *   - straight to an LB frontend: an internal LB keeps the client address (the container group's
 *     IP when known, else any address of the source subnet).
 */
export interface SourceSeen {
  /** A single address, or a subnet prefix when the exact client is unknown. */
  range: string;
  via: string;
}

export function natSource(emu: EmulatorRuntime, plsId: string): SourceSeen | undefined {
  const pls = emu.state.get(plsId);
  const configs = ((pls ? props(pls).ipConfigurations : undefined) as Json[] | undefined) ?? [];
  const primary = configs.find((c) => (c.properties as Json | undefined)?.primary === true) ?? configs[0];
  const ip = (primary?.properties as Json | undefined)?.privateIPAddress;
  return typeof ip === 'string' ? { range: `${ip}/32`, via: `private link service NAT IP ${ip}` } : undefined;
}

export function clientSource(emu: EmulatorRuntime, fromSubnetId: string, fromIp?: string): SourceSeen {
  if (fromIp) return { range: `${fromIp}/32`, via: `client ${fromIp}` };
  const subnet = emu.state.get(fromSubnetId);
  const prefix = subnet ? subnetPrefix(subnet) : '0.0.0.0/0';
  return { range: prefix, via: `clients in subnet ${fromSubnetId.split('/').pop()} (${prefix})` };
}

/** True when every address of `range` lies in one of the allowed CIDRs. */
export function sourceAllowed(source: SourceSeen, allowed: readonly string[]): boolean {
  const r = parseCidr(source.range);
  if (!r) return false;
  const first = intToIp(r.base);
  const last = intToIp((r.base + 2 ** (32 - r.bits) - 1) >>> 0);
  return allowed.some((cidr) => cidrContains(cidr, first) && cidrContains(cidr, last));
}
