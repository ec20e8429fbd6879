/**
 * sysctl drop-in (/etc/sysctl.d/90-plf-forwarder.conf):
 *  - ip_forward: the node routes DNATed connections;
 *  - route_localnet: lets the nat OUTPUT rule send 127.0.0.1:<port> (health extension) to a target;
 *  - conntrack sized for many concurrent forwarded connections, and established TCP entries expire
 *    after 10 idle minutes instead of 5 days: the Private Link Service drops a flow idle for ~4-5
 *    minutes anyway, so older idle entries only fill the table (live flows refresh their entry);
 *  - TCP keepalive below the Private Link idle timeout (~4 min) for connections the node itself
 *    holds (the agent's, SSH). Forwarded connections are the endpoints' to keep alive: a NAT node
 *    cannot inject keepalives into them.
 */
export function renderSysctl(): string {
  return `# plf forwarder node (generated)
net.ipv4.ip_forward = 1
net.ipv4.conf.all.route_localnet = 1
net.ipv4.conf.default.route_localnet = 1
net.netfilter.nf_conntrack_max = 262144
net.netfilter.nf_conntrack_tcp_timeout_established = 600
net.ipv4.tcp_keepalive_time = 120
net.ipv4.tcp_keepalive_intvl = 30
net.ipv4.tcp_keepalive_probes = 4
`;
}
