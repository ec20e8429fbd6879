import { invalidParameters, conflict } from '../arm/errors';

/**
 * IPv4 allocation from subnet prefixes like Azure: the first four addresses and the last one of
 * every subnet are reserved, so the first address handed out in 10.0.1.0/26 is 10.0.1.4.
 * Allocations are keyed by subnet id (lower-case) and remember their owner (a resource id) so a
 * delete can release everything its resource held.
 */
export function ipToInt(ip: string): number {
  const parts = ip.split('.').map((p) => Number(p));
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIpv4(s: unknown): s is string {
  return typeof s === 'string' && /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split('.').every((p) => Number(p) <= 255);
}

export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIpv4(m[1]) || Number(m[2]) > 32) return undefined;
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, bits };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  if (!c || !isIpv4(ip)) return false;
  const mask = c.bits === 0 ? 0 : (0xffffffff << (32 - c.bits)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === c.base;
}

export interface IpAllocation {
  ip: string;
  owner: string;
}

export class IpAllocator {
  /** subnet key -> ip -> owner id */
  private readonly bySubnet = new Map<string, Map<string, string>>();

  /** Hands out the lowest free address, or `requested` when given (Static). */
  allocate(subnetKey: string, prefix: string, owner: string, requested?: string): string {
    const c = parseCidr(prefix);
    if (!c) throw invalidParameters([`Subnet prefix '${prefix}' is not a valid IPv4 CIDR.`]);
    const used = this.used(subnetKey);
    const size = 2 ** (32 - c.bits);
    if (requested !== undefined) {
      if (!cidrContains(prefix, requested)) {
        throw invalidParameters([`Private IP address ${requested} is not in subnet prefix ${prefix}.`], 'PrivateIPAddressNotInSubnet');
      }
      const off = ipToInt(requested) - c.base;
      if (off < 4 || off >= size - 1) {
        throw invalidParameters([`Private IP address ${requested} is reserved in subnet ${prefix}.`], 'PrivateIPAddressIsReserved');
      }
      const holder = used.get(requested);
      if (holder !== undefined && holder.toLowerCase() !== owner.toLowerCase()) {
        throw conflict('PrivateIPAddressInUse', `Private IP address ${requested} is already in use by ${holder}.`);
      }
      used.set(requested, owner);
      return requested;
    }
    for (let off = 4; off < size - 1; off++) {
      const ip = intToIp(c.base + off);
      if (!used.has(ip)) {
        used.set(ip, owner);
        return ip;
      }
    }
    throw conflict('SubnetIsFull', `Subnet with prefix ${prefix} has no free IP addresses left.`);
  }

  /** Releases every address held by `owner` or its child resources (any subnet). */
  releaseOwner(owner: string): void {
    const o = owner.toLowerCase();
    for (const used of this.bySubnet.values()) {
      for (const [ip, holder] of used) {
        const h = holder.toLowerCase();
        if (h === o || h.startsWith(`${o}/`)) used.delete(ip);
      }
    }
  }

  release(subnetKey: string, ip: string): void {
    this.bySubnet.get(subnetKey)?.delete(ip);
  }

  allocations(subnetKey: string): IpAllocation[] {
    return [...this.used(subnetKey)].map(([ip, owner]) => ({ ip, owner }));
  }

  /** Who holds `ip` anywhere (ips are unique per VNet, which is enough for lookups here). */
  ownersOf(ip: string): IpAllocation[] {
    const out: IpAllocation[] = [];
    for (const used of this.bySubnet.values()) {
      const o = used.get(ip);
      if (o !== undefined) out.push({ ip, owner: o });
    }
    return out;
  }

  toJSON(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const [k, m] of this.bySubnet) out[k] = Object.fromEntries(m);
    return out;
  }

  load(data: Record<string, Record<string, string>>): void {
    this.bySubnet.clear();
    for (const [k, m] of Object.entries(data)) this.bySubnet.set(k, new Map(Object.entries(m)));
  }

  clear(): void {
    this.bySubnet.clear();
  }

  private used(subnetKey: string): Map<string, string> {
    let m = this.bySubnet.get(subnetKey);
    if (!m) {
      m = new Map();
      this.bySubnet.set(subnetKey, m);
    }
    return m;
  }
}
