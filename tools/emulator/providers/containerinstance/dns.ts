import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { resolveName } from '../network/queries';
import { T, vnetOfSubnet, type Json } from '../network/common';

/**
 * Name resolution inside a VNet-injected container group (the model, stricter where Azure is
 * unknown):
 * - Without `dnsConfig` the group uses Azure-provided DNS of its own VNet: the private DNS zones
 *   linked to that VNet. It does NOT use the VNet's custom DNS servers (`dhcpOptions.dnsServers`)
 *   — Learn, "Deploy container instances into an Azure virtual network": custom DNS needs
 *   `dnsConfig` on the group (azure-facts.md, ACI).
 * - With `dnsConfig.nameServers` the group asks those servers in order (resolv.conf): a server
 *   that does not answer is skipped (the resolver times out and tries the next), the first that
 *   answers decides — NXDOMAIN included.
 *   - `168.63.129.16` is Azure-provided DNS of the group's VNet.
 *   - Any other address answers only when something in a VNet known to the emulator holds it; it
 *     is modelled as a DNS forwarder (a VM or a DNS Private Resolver inbound endpoint) whose
 *     upstream is Azure-provided DNS of ITS VNet: it resolves the zones linked to that VNet (the
 *     usual hub design: zones linked to the hub, spokes point their DNS at the hub's resolver).
 *   - An address nobody holds (e.g. a public resolver, unreachable from the emulator) never answers.
 *   Not modelled: whether the group's VNet can reach the server's VNet (the emulator has no
 *   peerings); conditional forwarding rules.
 */
export const AZURE_DNS = '168.63.129.16';

export type Resolution = { ok: true; ip: string; via: string } | { ok: false; reason: string };

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function nameServersOf(cg: StoredResource): string[] {
  const dns = ((cg.body.properties ?? {}) as Json).dnsConfig as Json | undefined;
  return Array.isArray(dns?.nameServers) ? (dns!.nameServers as unknown[]).map(String) : [];
}

/** The VNet whose subnet holds `ip` (any owner), or undefined. */
export function vnetHolding(emu: EmulatorRuntime, ip: string): string | undefined {
  for (const vnet of emu.state.list(T.vnet)) {
    for (const subnet of emu.state.children(vnet.id, T.subnet)) {
      if (emu.state.ips.allocations(subnet.id.toLowerCase()).some((a) => a.ip === ip)) return vnet.id;
    }
  }
  return undefined;
}

/** Resolves `host` as the group in subnet `fromSubnetId` would; IPv4 literals resolve to themselves. */
export function groupResolve(emu: EmulatorRuntime, cg: StoredResource, fromSubnetId: string, host: string): Resolution {
  if (IPV4.test(host)) return { ok: true, ip: host, via: 'literal' };
  const own = vnetOfSubnet(fromSubnetId);
  const servers = nameServersOf(cg);
  const ask = (vnet: string, via: string): Resolution => {
    const r = resolveName(emu, vnet, host);
    return r.ips.length ? { ok: true, ip: r.ips[0], via } : { ok: false, reason: `${via}: ${r.reason ?? `${host} does not resolve`}` };
  };
  if (!servers.length) return ask(own, `Azure-provided DNS of ${own} (the group has no dnsConfig; the VNet's custom DNS servers are not used)`);
  const silent: string[] = [];
  for (const server of servers) {
    if (server === AZURE_DNS) return ask(own, `name server ${server} (Azure-provided DNS of ${own})`);
    const vnet = vnetHolding(emu, server);
    if (!vnet) {
      silent.push(server);
      continue;
    }
    return ask(vnet, `name server ${server} (forwards to Azure-provided DNS of ${vnet})`);
  }
  return { ok: false, reason: `no name server answered (${silent.join(', ')}: nothing in a VNet holds these addresses)` };
}
