import { AGENT_PATH } from './agent-script';

/**
 * The units cloud-init installs: the ruleset (oneshot, early in boot, before the network) and
 * the agent. plf-nftables mirrors Ubuntu's own nftables.service: DefaultDependencies=no and
 * WantedBy=sysinit.target, because cloud-init.service runs before sysinit.target and needs the
 * network — a ruleset unit with default dependencies (after basic.target) that is also ordered
 * before network-pre.target would make an ordering cycle that systemd breaks by dropping a job.
 */
export const RULESET_PATH = '/etc/plf/ruleset.nft';

export const NFTABLES_UNIT = `[Unit]
Description=plf forwarder ruleset (nftables table ip plf)
Wants=network-pre.target
Before=network-pre.target shutdown.target plf-agent.service
Conflicts=shutdown.target
DefaultDependencies=no

[Service]
Type=oneshot
RemainAfterExit=yes
StandardInput=null
ExecStart=/usr/sbin/nft -f ${RULESET_PATH}
ExecReload=/usr/sbin/nft -f ${RULESET_PATH}

[Install]
WantedBy=sysinit.target
`;

export const AGENT_UNIT = `[Unit]
Description=plf forwarder agent (keeps DNAT targets to the healthy ones)
After=plf-nftables.service network-online.target
Wants=network-online.target
Requires=plf-nftables.service
# Never give up restarting (the default start limit would stop it for good after 5 quick failures,
# e.g. a bad manifest at boot that is fixed later).
StartLimitIntervalSec=0

[Service]
ExecStart=${AGENT_PATH}
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;

/**
 * nf_conntrack loaded by systemd-modules-load, which runs before systemd-sysctl: otherwise
 * net.netfilter.nf_conntrack_max does not exist yet when the sysctl drop-in is applied at boot
 * (the module only loads with the nat table, later) and the conntrack size silently stays default.
 */
export const MODULES_LOAD_PATH = '/etc/modules-load.d/plf-forwarder.conf';
export const MODULES_LOAD = `# plf forwarder node (generated): conntrack before sysctl, so nf_conntrack_max applies at boot
nf_conntrack
`;
