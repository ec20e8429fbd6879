/**
 * The node agent, /usr/local/sbin/plf-agent, run by plf-agent.service. Bash plus what every
 * Ubuntu LTS image ships (nft, coreutils `tr`/`timeout`, bash /dev/tcp, util-linux `logger`).
 * Every interval it re-reads the manifest /etc/plf/forward.json (the single source; every value
 * is matched against a strict pattern before it reaches nft, a bad manifest keeps the last good
 * one), TCP-checks each target on each target port (in parallel), and when the healthy set
 * changed — or the ruleset was reloaded under it (its rules carry the comment "plf-agent") — it
 * replaces the DNAT rules and the targets set in one `nft -f` transaction: new connections go
 * only to healthy targets; established ones keep their conntrack NAT binding. When no target
 * answers on a port it keeps them all: the outage is then visible to the LB probe, and recovery
 * needs no agent action. Kept in a TypeScript string so renderers stay pure; tests run
 * shellcheck on it.
 */
export const AGENT_PATH = '/usr/local/sbin/plf-agent';

export const AGENT_SCRIPT = `#!/bin/bash
# plf-agent: keeps the forwarder's DNAT targets to the healthy ones (generated; see dataplane/README.md).
# It reads the manifest /etc/plf/forward.json (schema plf.forward/v1) every interval and checks
# every value against a strict pattern before it reaches an nft command.
set -u

MANIFEST="\${PLF_MANIFEST:-/etc/plf/forward.json}"
NFT="\${PLF_NFT:-nft}"
# Rules the agent writes carry this comment; rules loaded from ruleset.nft do not, so a missing
# mark means the ruleset was reloaded and the healthy set must be applied again.
MARK="plf-agent"

log() {
  if [ "\${PLF_AGENT_LOG:-journal}" = stderr ] || ! command -v logger >/dev/null 2>&1; then
    printf '%s plf-agent: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
  else
    logger -t plf-agent -- "$*"
  fi
}

is_port() { [[ $1 =~ ^[1-9][0-9]{0,4}$ ]] && [ "$1" -le 65535 ]; }
is_ipv4() {
  local octet='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
  [[ $1 =~ ^$octet\\.$octet\\.$octet\\.$octet$ ]]
}
in_range() { [[ $1 =~ ^[1-9][0-9]{0,3}$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# The last good manifest: FORWARD, MAPPINGS ("port:targetPort"), TARGETS, INTERVAL, CONNECT_TIMEOUT.
FORWARD="" INTERVAL=5 CONNECT_TIMEOUT=2 SEEN="" PROBLEM=""
MAPPINGS=() TARGETS=()

# read_manifest: parses the manifest into the globals above when it changed; on anything unexpected
# it sets PROBLEM, keeps the previous values and fails.
read_manifest() {
  local json re list item port tport forward interval timeout
  local -a items=() mappings=() targets=()
  if ! json=$(tr -d ' \\t\\r\\n' < "$MANIFEST" 2>/dev/null) || [ -z "$json" ]; then
    PROBLEM="cannot read $MANIFEST"
    return 1
  fi
  [ "$json" = "$SEEN" ] && return 0
  PROBLEM="$MANIFEST is not a valid plf.forward/v1 manifest"
  re='"schema":"plf\\.forward/v1"'
  [[ $json =~ $re ]] || return 1
  re='"forward":"([a-z0-9-]{1,48})"'
  [[ $json =~ $re ]] || return 1
  forward=\${BASH_REMATCH[1]}
  re='"ports":\\[\\{([^]]*)\\}\\]'
  [[ $json =~ $re ]] || return 1
  list=\${BASH_REMATCH[1]}
  sep='},{'
  IFS='|' read -r -a items <<< "\${list//"$sep"/|}"
  for item in "\${items[@]}"; do
    re='"port":([0-9]+)'
    [[ $item =~ $re ]] || return 1
    port=\${BASH_REMATCH[1]}
    re='"targetPort":([0-9]+)'
    [[ $item =~ $re ]] || return 1
    tport=\${BASH_REMATCH[1]}
    if ! is_port "$port" || ! is_port "$tport"; then return 1; fi
    mappings+=("$port:$tport")
  done
  re='"targets":\\[([^]]*)\\]'
  [[ $json =~ $re ]] || return 1
  list=\${BASH_REMATCH[1]//\\"/}
  IFS=, read -r -a items <<< "$list"
  for item in "\${items[@]}"; do
    is_ipv4 "$item" || return 1
    targets+=("$item")
  done
  re='"intervalSeconds":([0-9]+)'
  [[ $json =~ $re ]] || return 1
  interval=\${BASH_REMATCH[1]}
  re='"connectTimeoutSeconds":([0-9]+)'
  [[ $json =~ $re ]] || return 1
  timeout=\${BASH_REMATCH[1]}
  if [ \${#mappings[@]} -lt 1 ] || [ \${#mappings[@]} -gt 32 ] || [ \${#targets[@]} -lt 1 ] || [ \${#targets[@]} -gt 16 ] \\
    || ! in_range "$interval" 1 300 || ! in_range "$timeout" 1 30; then
    return 1
  fi
  FORWARD=$forward MAPPINGS=("\${mappings[@]}") TARGETS=("\${targets[@]}") INTERVAL=$interval CONNECT_TIMEOUT=$timeout
  SEEN=$json PROBLEM=""
  return 0
}

# probe IP PORT: succeeds when a TCP connect completes within the timeout.
probe() {
  # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash, on purpose.
  timeout "$CONNECT_TIMEOUT" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# dnat_rule LISTEN_PORT TARGET_PORT IP...: one rule for chain forward_dnat.
dnat_rule() {
  local listen=$1 tport=$2 map="" i=0 ip
  shift 2
  if [ $# -eq 1 ]; then
    printf 'add rule ip plf forward_dnat tcp dport %s dnat to %s:%s comment "%s"\\n' "$listen" "$1" "$tport" "$MARK"
    return
  fi
  for ip in "$@"; do
    map="\${map:+$map, }$i : $ip"
    i=$((i + 1))
  done
  printf 'add rule ip plf forward_dnat tcp dport %s dnat to numgen inc mod %s map { %s } : %s comment "%s"\\n' "$listen" "$#" "$map" "$tport" "$MARK"
}

if ! read_manifest; then
  log "cannot start: $PROBLEM"
  exit 1
fi
log "started for forward $FORWARD: ports \${MAPPINGS[*]}, targets \${TARGETS[*]}, every \${INTERVAL}s"
last="" last_problem="" last_failure=""

while :; do
  if read_manifest; then
    last_problem=""
  elif [ "$PROBLEM" != "$last_problem" ]; then
    log "$PROBLEM; keeping the last good one"
    last_problem=$PROBLEM
  fi

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

  # One transaction: the targets set (what is masqueraded and forwarded) and the DNAT rules.
  all=\${TARGETS[*]}
  rules="flush chain ip plf forward_dnat"$'\\n'"flush set ip plf targets"$'\\n'"add element ip plf targets { \${all// /, } }"$'\\n'
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

  current=$("$NFT" list chain ip plf forward_dnat 2>/dev/null)
  if [ "$state" != "$last" ] || [[ $current != *"\\"$MARK\\""* ]]; then
    reason=""
    [ "$state" = "$last" ] && reason=" (the ruleset was reloaded)"
    if error=$(printf '%s' "$rules" | "$NFT" -f - 2>&1); then
      log "targets:$state$reason"
      last=$state last_failure=""
    elif [ "$state$error" != "$last_failure" ]; then
      log "could not apply targets:$state: $error"
      last="" last_failure="$state$error"
    fi
  fi
  sleep "$INTERVAL"
done
`;
