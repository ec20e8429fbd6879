import { AGENT_PATH } from './agent-script';

/** The units cloud-init installs: the ruleset (oneshot, before the network) and the agent. */
export const RULESET_PATH = '/etc/plf/ruleset.nft';

export const NFTABLES_UNIT = `[Unit]
Description=plf forwarder ruleset (nftables table ip plf)
Wants=network-pre.target
Before=network-pre.target plf-agent.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f ${RULESET_PATH}
ExecReload=/usr/sbin/nft -f ${RULESET_PATH}

[Install]
WantedBy=multi-user.target
`;

export const AGENT_UNIT = `[Unit]
Description=plf forwarder agent (keeps DNAT targets to the healthy ones)
After=plf-nftables.service network-online.target
Wants=network-online.target
Requires=plf-nftables.service

[Service]
ExecStart=${AGENT_PATH}
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
