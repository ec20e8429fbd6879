import { assertValidView, type DataPlaneView, type PortMapping } from './view';

/**
 * The node's nftables ruleset, loaded atomically with `nft -f` (the whole file is one
 * transaction: `table ip plf` + `delete table ip plf` + the new table, so a reload never leaves
 * the node half-configured, and connections already established keep their NAT binding in
 * conntrack). Syntax used: named sets with `flags interval`, `numgen inc mod N map {...}`,
 * `ct status dnat`, `icmpv6 type`, symbolic chain priorities (`dstnat`, `srcnat`, `filter`) — all available in
 * nftables 0.9.6+, so it loads on Ubuntu 22.04 (nft 1.0.2) and 24.04 (nft 1.0.9).
 */
export const TABLE = 'plf';
export const DNAT_CHAIN = 'forward_dnat';
/** IPv6 lockdown: the node forwards IPv4 only. */
export const TABLE6 = 'plf6';

/** One DNAT rule per listen port; several targets share new connections round-robin. */
export function dnatRule(mapping: PortMapping, targets: readonly string[]): string {
  if (targets.length === 1) return `tcp dport ${mapping.port} dnat to ${targets[0]}:${mapping.targetPort}`;
  const map = targets.map((t, i) => `${i} : ${t}`).join(', ');
  return `tcp dport ${mapping.port} dnat to numgen inc mod ${targets.length} map { ${map} } : ${mapping.targetPort}`;
}

export function renderRuleset(view: DataPlaneView): string {
  assertValidView(view);
  const ssh = view.sshSources ?? [];
  return `#!/usr/sbin/nft -f
# plf forwarder ruleset for forward "${view.forward}" (generated; the agent rewrites chain ${DNAT_CHAIN}).
# Loaded in one transaction: an existing table is replaced atomically.
table ip ${TABLE}
delete table ip ${TABLE}

table ip ${TABLE} {
  # Who may use the forward: the Private Link Service NAT subnet and the LB health probe.
  set allowed_sources {
    type ipv4_addr
    flags interval
    elements = { ${view.allowedSources.join(', ')} }
  }

  # Every configured target: replies and SNAT are matched against this set.
  set targets {
    type ipv4_addr
    elements = { ${view.targets.join(', ')} }
  }
${ssh.length ? `
  # Who may SSH to the node itself.
  set ssh_sources {
    type ipv4_addr
    flags interval
    elements = { ${ssh.join(', ')} }
  }
` : ''}
  # New connections from allowed sources to a forwarded port are DNATed to a target.
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip saddr @allowed_sources jump ${DNAT_CHAIN}
  }

  # The Application Health extension probes 127.0.0.1:<port> on the node: forward it too, so
  # the health signal covers the whole path (needs net.ipv4.conf.all.route_localnet=1).
  chain output {
    type nat hook output priority -100; policy accept;
    ip daddr 127.0.0.1 jump ${DNAT_CHAIN}
  }

  # Healthy targets per port; the node agent replaces this chain's rules in one transaction.
  chain ${DNAT_CHAIN} {
${view.ports.map((m) => `    ${dnatRule(m, view.targets)}`).join('\n')}
  }

  # Replies must come back through this node: masquerade toward the targets.
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ct status dnat ip daddr @targets masquerade
  }

  # Only connections this node DNATed are forwarded.
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    ct status dnat ip daddr @targets accept
  }

  # The node itself: loopback, replies, DHCP${ssh.length ? ', SSH from the VNet' : ''}; nothing else.
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established,related accept
    ct state invalid drop
    udp sport 67 udp dport 68 accept
    icmp type { echo-request, destination-unreachable, time-exceeded } limit rate 10/second accept
${ssh.length ? '    ip saddr @ssh_sources tcp dport 22 accept\n' : ''}  }
}

# IPv6 (a dual-stack VNet): nothing is forwarded and the node answers nothing but neighbour
# discovery, router adverts, DHCPv6 replies and ICMPv6 errors/echo; loopback and replies pass.
table ip6 ${TABLE6}
delete table ip6 ${TABLE6}

table ip6 ${TABLE6} {
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established,related accept
    ct state invalid drop
    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept
    icmpv6 type echo-request limit rate 10/second accept
    udp sport 547 udp dport 546 accept
  }

  chain forward {
    type filter hook forward priority filter; policy drop;
  }
}
`;
}
