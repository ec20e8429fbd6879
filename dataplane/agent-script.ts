/**
 * The node agent, /usr/local/sbin/plf-agent, run by plf-agent.service. Bash plus what every
 * Ubuntu LTS image ships (nft, coreutils `timeout`, bash /dev/tcp, util-linux `logger`).
 * Every interval it TCP-checks each target on each target port (in parallel), and when the
 * healthy set changed it replaces the DNAT rules in one `nft -f` transaction: new connections go
 * only to healthy targets; established ones are untouched. When no target answers on a port it
 * keeps them all: the outage is then visible to the LB probe, and recovery needs no agent action.
 * Kept in a TypeScript string so renderers stay pure; tests run shellcheck on it.
 */
export const AGENT_PATH = '/usr/local/sbin/plf-agent';

export const AGENT_SCRIPT = `#!/bin/bash
# plf-agent: keeps the forwarder's DNAT targets to the healthy ones (generated; see dataplane/README.md).
set -u

ENV_FILE="\${PLF_ENV_FILE:-/etc/plf/forward.env}"
NFT="\${PLF_NFT:-nft}"
# shellcheck source=/dev/null
. "$ENV_FILE"
: "\${PLF_PORTS:?}" "\${PLF_TARGETS:?}" "\${PLF_INTERVAL:?}" "\${PLF_CONNECT_TIMEOUT:?}"

log() {
  if [ "\${PLF_AGENT_LOG:-journal}" = stderr ] || ! command -v logger >/dev/null 2>&1; then
    printf '%s plf-agent: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
  else
    logger -t plf-agent -- "$*"
  fi
}

# probe IP PORT: succeeds when a TCP connect completes within the timeout.
probe() {
  # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash, on purpose.
  timeout "$PLF_CONNECT_TIMEOUT" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# dnat_rule LISTEN_PORT TARGET_PORT IP...: one rule for chain forward_dnat.
dnat_rule() {
  local listen=$1 tport=$2 map="" i=0 ip
  shift 2
  if [ $# -eq 1 ]; then
    printf 'add rule ip plf forward_dnat tcp dport %s dnat to %s:%s\\n' "$listen" "$1" "$tport"
    return
  fi
  for ip in "$@"; do
    map="\${map:+$map, }$i : $ip"
    i=$((i + 1))
  done
  printf 'add rule ip plf forward_dnat tcp dport %s dnat to numgen inc mod %s map { %s } : %s\\n' "$listen" "$#" "$map" "$tport"
}

read -r -a TARGETS <<< "$PLF_TARGETS"
read -r -a MAPPINGS <<< "$PLF_PORTS"
last=""
log "started for forward \${PLF_FORWARD:-?}: ports $PLF_PORTS, targets $PLF_TARGETS, every \${PLF_INTERVAL}s"

while :; do
  declare -A pids=() healthy_on=()
  for mapping in "\${MAPPINGS[@]}"; do
    tport=\${mapping##*:}
    for ip in "\${TARGETS[@]}"; do
      key="$tport|$ip"
      [ -n "\${pids[$key]:-}" ] && continue
      probe "$ip" "$tport" &
      pids[$key]=$!
    done
  done
  for key in "\${!pids[@]}"; do
    if wait "\${pids[$key]}"; then healthy_on[$key]=1; fi
  done

  rules="flush chain ip plf forward_dnat"$'\\n'
  state=""
  for mapping in "\${MAPPINGS[@]}"; do
    listen=\${mapping%%:*}
    tport=\${mapping##*:}
    healthy=()
    for ip in "\${TARGETS[@]}"; do
      [ -n "\${healthy_on[$tport|$ip]:-}" ] && healthy+=("$ip")
    done
    if [ \${#healthy[@]} -eq 0 ]; then
      healthy=("\${TARGETS[@]}")
      state="$state $listen->none-healthy(keeping-all)"
    else
      state="$state $listen->\${healthy[*]}"
    fi
    rules="$rules$(dnat_rule "$listen" "$tport" "\${healthy[@]}")"$'\\n'
  done
  unset pids healthy_on

  if [ "$state" != "$last" ]; then
    if printf '%s' "$rules" | "$NFT" -f -; then
      log "targets:$state"
      last="$state"
    else
      log "could not apply targets:$state"
    fi
  fi
  sleep "$PLF_INTERVAL"
done
`;
