/**
 * Connectivity probes, the pure part: which host a probe connects to (only validated values),
 * the containers' commands (argv, no shell), the parser of what a container printed, the verdict
 * of a port and of a run (from exit codes and lines, never from provisioningState), the schedule
 * (next run one `every` after the last run, manual runs included; first one `every` after the
 * probe was first seen) and the `probes` status section with its `Reachable` condition.
 * Pure: no I/O, no SDK.
 */
import { armCode, ConditionTypes, Reasons, type ReasonOf } from './conditions';
import { DNS_NAME, IPV4, isoDurationSeconds, SUBNET_ID } from './patterns';
import { refOfType } from './resource-id';
import type { PortResult, ProbeRunResult, ProbeStage, RunOutcome } from './responses/probe-run';
import type { ProbeListing, ProbeRunSummary } from './responses/status';
import type { Condition, ConditionInput } from './status';
import { setCondition } from './status';

/** A run, its ports' results and its verdicts as the API shows them (core/responses/probe-run.ts). */
export type { ProbeStage, RunOutcome, PortResult, ProbeRunResult };

// ---------------------------------------------------------------------------------------------
// Identity of a probe and a run

/** A short stable key of a probe (FNV-1a of the lower-cased subnet id), for instance ids and table keys. */
export function probeKey(subnetId: string): string {
  let h = 0x811c9dc5;
  for (const ch of subnetId.toLowerCase()) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The singleton instance id of a (forward, probe): at most one run of a probe at a time. */
export function probeInstanceId(forward: string, subnetId: string): string {
  return probeInstanceIdOfKey(forward, probeKey(subnetId));
}

/** The run orchestration's instance id from a probe key (a group's `plf-probe` tag). */
export function probeInstanceIdOfKey(forward: string, key: string): string {
  return `probe:${forward}:${key}`;
}

const RUN_ID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const isRunId = (s: string): boolean => RUN_ID.test(s);

/** The container group of a run: `plfp-{forward}-{12 hex of the run id}` (<= 63 characters, ARM's limit). */
export function probeGroupName(forward: string, runId: string): string {
  return `plfp-${forward}-${runId.replace(/-/g, '').slice(0, 12).toLowerCase()}`;
}

/**
 * Where a probe's container group goes: the subnet's subscription (ACI requires the group and its
 * subnet in one subscription) and the subnet's resource group, or the probe's `resourceGroup`.
 */
export function probeGroupPlacement(subnetId: string, resourceGroup?: string): { subscriptionId: string; resourceGroup: string } | undefined {
  const r = refOfType(subnetId, 'Microsoft.Network/virtualNetworks/subnets');
  return r ? { subscriptionId: r.subscriptionId, resourceGroup: resourceGroup ?? r.resourceGroup } : undefined;
}

/** A subnet resource id as the probes API accepts it in a query (`subnetId`): core/patterns.ts SUBNET_ID. */
export { SUBNET_ID };

export const TAG_PROBE_RUN = 'plf-probe-run';
export const TAG_PROBE = 'plf-probe';

// ---------------------------------------------------------------------------------------------
// Target and command

const FQDN = DNS_NAME;

export interface TargetInput {
  dns?: { zoneName?: string; zoneIds?: string[]; recordName: string };
  /** Approved endpoints with their VNet and NIC IP (from the connections flow's rows). */
  endpoints: readonly { state: string; virtualNetworkId?: string; ip?: string }[];
  /** The probe subnet's VNet id. */
  vnetId: string;
}

export type Target = { ok: true; host: string } | { ok: false; reason: string; message: string };

/**
 * What the probe connects to: the forward's record `{recordName}.{zone}` (the first zone: zoneName,
 * else the name of the first zoneIds entry), or without `dns` the IP of the approved endpoint in
 * the probe subnet's VNet. Only values that pass a strict FQDN or IPv4 pattern come out.
 */
export function probeTarget(t: TargetInput): Target {
  if (t.dns) {
    const zone = t.dns.zoneName ?? t.dns.zoneIds?.[0]?.split('/').pop();
    const host = `${t.dns.recordName}.${zone ?? ''}`.toLowerCase();
    return FQDN.test(host) ? { ok: true, host } : { ok: false, reason: 'InvalidTarget', message: `the forward's record name ${JSON.stringify(host)} is not a valid DNS name` };
  }
  const ep = t.endpoints.find((e) => e.state === 'Approved' && e.virtualNetworkId?.toLowerCase() === t.vnetId.toLowerCase() && e.ip && IPV4.test(e.ip));
  if (!ep) return { ok: false, reason: 'NoEndpoint', message: `the forward has no dns and no approved private endpoint with an IP in ${t.vnetId}` };
  return { ok: true, host: ep.ip! };
}

export interface ProbeContainer {
  name: string;
  port: number;
  command: string[];
}

/**
 * One container per port, each an argv (no shell: nothing is ever interpolated into a shell
 * line): busybox `time nc -zvv -w SECONDS HOST PORT`. `-vv`, not `-v`: busybox nc
 * (networking/nc_bloaty.c, nc_main) prints a refused connect only when `o_verbose > 1`
 * ("if we're scanning at a "one -v" verbosity level, don't print refusals"), so at `-v` a
 * refused port and a truncated log look the same. Each verdict then has exactly one nc line
 * (`HOST (IP:PORT) open`, `nc: bad address 'HOST'`, `nc: HOST (IP:PORT): Connection refused`,
 * `... Connection timed out`), `-vv` adds `sent 0, rcvd 0`, and `time` (miscutils/time.c)
 * prints `Command exited with non-zero status N` on failure, then `real`/`user`/`sys`.
 * `-z` needs busybox built with NC_110_COMPAT and NC_EXTRA (the small nc has no `-z`): the default
 * image's busybox is (core/app-settings.ts DEFAULT_PROBE_IMAGE). Refuses anything but a valid
 * host and ports.
 */
export function probeContainers(host: string, ports: readonly number[], timeoutSeconds: number): ProbeContainer[] {
  if (!FQDN.test(host) && !IPV4.test(host)) throw new Error(`refusing probe host ${JSON.stringify(host)}: not an FQDN or IPv4 address`);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 120) throw new Error(`refusing probe timeout ${timeoutSeconds}`);
  return ports.map((port) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`refusing probe port ${port}`);
    return { name: `p${port}`, port, command: ['time', 'nc', '-zvv', '-w', String(timeoutSeconds), host, String(port)] };
  });
}

// ---------------------------------------------------------------------------------------------
// Output parsing and verdicts

const OPEN = /\((\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})\) open$/;
const BAD_ADDRESS = /^nc: bad address '([^']*)'$/;
const REFUSED = /^nc: .* \(\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}\): Connection refused$/;
const TIMED_OUT = /^nc: .* \(\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}\): Connection timed out$/;
/** nc_bloaty at -vv after every outbound connect (SENT_N_RECV_M). */
const SENT = /^sent \d+, rcvd \d+$/;
/** busybox time (miscutils/time.c summarize) before the times when the command failed. */
const EXIT_STATUS = /^Command exited with non-zero status (\d+)$/;
const SIGNALLED = /^Command terminated by signal (\d+)$/;
/** busybox time's %E: `%um %u.%02us`, from one hour `%uh %um %02us`. */
const REAL = /^real\s+(?:(\d+)h\s+)?(\d+)m\s+(\d+(?:\.\d+)?)s$/;
const TIMES = /^(user|sys)\s+(?:\d+h\s+)?\d+m\s+\d+(?:\.\d+)?s$/;
const MAX_DETAIL = 200;

/** Printable ASCII only, bounded: container output is untrusted. */
function clean(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?').trim();
  return t.length > MAX_DETAIL ? `${t.slice(0, MAX_DETAIL - 1)}…` : t;
}

/**
 * The result of one port from its container's exit code (undefined = it never terminated) and
 * log, as busybox `time nc -zvv` prints it (probeContainers). Only lines the command prints are
 * trusted; anything else (garbage, a cut-off log, a contradiction between the exit code, the
 * `Command exited with non-zero status N` line and the verdict line) is an `infrastructure`
 * failure naming what was seen. A refused port is a `connect` (refused) verdict, never
 * infrastructure.
 */
export function parsePortLog(port: number, exitCode: number | undefined, log: string): PortResult {
  const lines = log.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let latencyMs: number | undefined;
  let status: number | undefined;
  let signalled: string | undefined;
  let verdict: { kind: 'open' | 'dns' | 'refused' | 'timeout'; line: string } | undefined;
  let verdicts = 0;
  for (const line of lines) {
    const real = REAL.exec(line);
    if (real) {
      latencyMs = Math.round((Number(real[1] ?? 0) * 3600 + Number(real[2]) * 60 + Number(real[3])) * 1000);
      continue;
    }
    const st = EXIT_STATUS.exec(line);
    if (st) {
      status = Number(st[1]);
      continue;
    }
    if (SIGNALLED.test(line)) signalled = line;
    if (SENT.test(line) || TIMES.test(line)) continue;
    const open = OPEN.exec(line);
    const kind = open && Number(open[2]) === port ? 'open' : BAD_ADDRESS.test(line) ? 'dns' : REFUSED.test(line) ? 'refused' : TIMED_OUT.test(line) ? 'timeout' : undefined;
    if (kind) {
      verdicts++;
      verdict = { kind, line };
    }
  }
  const first = lines[0] ? clean(lines[0]) : '(no output)';
  const infra = (detail: string): PortResult => ({ port, ok: false, stage: 'infrastructure', detail: clean(detail) });
  const lat = latencyMs === undefined ? {} : { latencyMs };
  if (exitCode === undefined) return infra('the container did not terminate');
  if (exitCode === 127) return infra(`probe command not available in the image (exit 127): ${first}`);
  if (signalled) return infra(`the probe was killed: ${signalled}`);
  if (status !== undefined && status !== exitCode) return infra(`exit ${exitCode} contradicts the line: Command exited with non-zero status ${status}`);
  if (verdicts > 1) return infra(`more than one verdict line in the output: ${first}`);
  if (!verdict) return infra(`${exitCode === 0 ? 'exit 0 but' : `exit ${exitCode} and`} no verdict line (truncated or unexpected output): ${first}`);
  if (verdict.kind === 'open') {
    if (exitCode !== 0) return infra(`exit ${exitCode} contradicts the line: ${verdict.line}`);
    if (latencyMs === undefined) return infra(`open, but no timing line (truncated output): ${verdict.line}`);
    return { port, ok: true, latencyMs, detail: clean(verdict.line) };
  }
  if (exitCode === 0) return infra(`exit 0 contradicts the line: ${verdict.line}`);
  if (verdict.kind === 'dns') return { port, ok: false, stage: 'dns', ...lat, detail: clean(verdict.line) };
  return { port, ok: false, stage: 'connect', connect: verdict.kind, ...lat, detail: clean(verdict.line) };
}

/** What ACI's instance view says of one container (ContainerPropertiesInstanceView). */
export interface ContainerView {
  state?: string;
  exitCode?: number;
  restartCount?: number;
  /** The state of the previous instance (present once the container exited and restarts or waits to). */
  previous?: { state?: string; exitCode?: number };
}

/**
 * Whether a probe container has terminated (undefined = not yet) and with which exit code (absent
 * when ACI shows none: parsePortLog then names it).
 * `restartPolicy: Never` does not stop ACI from restarting a container that exited non-zero
 * (Learn, "Run containerized tasks with restart policies", Restart behavior with nonzero exit
 * codes: "the platform might still restart the container regardless of the restart policy
 * setting"): then `currentState` is Waiting (back-off) or Running again while `previousState` holds
 * the termination. The command is the same each time, so the verdict comes from the current state
 * when it is Terminated (its log is the one listLogs returns), else from the previous state when it
 * is Terminated — never waiting for a deadline because the container runs again.
 */
export function containerExit(v: ContainerView | undefined): { exitCode?: number } | undefined {
  const done = v?.state === 'Terminated' ? v : v?.previous?.state === 'Terminated' ? v.previous : undefined;
  return done ? (done.exitCode === undefined ? {} : { exitCode: done.exitCode }) : undefined;
}

/** A run's outcome from its ports: ok only when every port is ok. */
export function runOutcome(ports: readonly PortResult[]): RunOutcome {
  if (ports.length && ports.every((p) => p.ok)) return 'ok';
  return ports.some((p) => p.stage === 'dns' || p.stage === 'connect') ? 'failed' : 'infrastructure';
}

/** The stage to name for a failed run: the first failed port's (connect with refused/timeout), or the run's own. */
export function failingStage(r: Pick<ProbeRunResult, 'outcome' | 'ports' | 'code'>): string {
  if (r.outcome === 'deadline') return 'deadline';
  if (r.outcome === 'interrupted') return 'interrupted';
  const p = r.ports.find((x) => !x.ok && x.stage !== 'infrastructure') ?? r.ports.find((x) => !x.ok);
  if (p?.stage === 'connect') return `connect (${p.connect ?? 'timeout'})`;
  if (p?.stage) return p.stage;
  return r.code ? `infrastructure (${r.code})` : 'infrastructure';
}

// ---------------------------------------------------------------------------------------------
// Schedule

/** A probe's `every` (ISO 8601 duration, core/patterns.ts) in milliseconds, or undefined when malformed. */
export function everyMs(every: string): number | undefined {
  const seconds = isoDurationSeconds(every);
  return seconds === undefined ? undefined : seconds * 1000;
}

export interface ScheduleState {
  /** When the probe was first seen (the first run is one `every` later). */
  addedAt: string;
  /** When the last run (scheduled or manual) started. */
  lastRunAt?: string;
}

/** When a probe is due next: one `every` after its last run, or after it was added. */
export function nextRunAt(every: string, s: ScheduleState): string | undefined {
  const ms = everyMs(every);
  const from = Date.parse(s.lastRunAt ?? s.addedAt);
  return ms === undefined || Number.isNaN(from) ? undefined : new Date(from + ms).toISOString();
}

/**
 * Whether the timer starts a run now: due and not already running (an overlapping run is
 * skipped, not stacked: the next tick looks again).
 */
export function isDue(every: string, s: ScheduleState, now: string, running: boolean): boolean {
  const next = nextRunAt(every, s);
  return !running && next !== undefined && Date.parse(next) <= Date.parse(now);
}

// ---------------------------------------------------------------------------------------------
// Status section

/** A probe's last run and its listing in the status, as the API shows them (core/responses/status.ts). */
export type { ProbeRunSummary, ProbeListing };

/** A probe's state (one row per forward and probe; the section is built from these). */
export interface ProbeState extends ScheduleState {
  subnetId: string;
  probeKey: string;
  consecutiveFailures: number;
  last?: ProbeRunSummary;
  /** A configuration problem found before any container (not delegated, no target): shown at once. */
  blocked?: { reason: string; message: string };
  /** The run in progress (set when it starts, cleared when it is recorded). */
  running?: { runId: string; startedAt: string };
}

export interface ProbesSection {
  conditions: Condition[];
  /** Every probe the spec lists, in spec order, from the first timer tick that sees it. */
  probes: ProbeListing[];
}

/** Codes that say the probe cannot run as configured: shown at once, not after N failures (each a Reachable reason). */
export const CONFIG_CODES: ReadonlySet<string> = new Set<ReasonOf<'Reachable'>>([Reasons.Reachable.SubnetNotDelegated, Reasons.Reachable.SubnetNotFound, Reasons.Reachable.NoEndpoint, Reasons.Reachable.InvalidTarget]);
const isConfigCode = (code: string): code is ReasonOf<'Reachable'> => CONFIG_CODES.has(code);

/** A probe's state after a run. */
export function afterRun(prev: ProbeState, r: ProbeRunResult): ProbeState {
  const failed = r.outcome !== 'ok' && r.outcome !== 'interrupted';
  const summary: ProbeRunSummary = {
    runId: r.runId,
    at: r.startedAt,
    outcome: r.outcome,
    ...(r.outcome === 'ok' ? {} : { stage: failingStage(r) }),
    ports: r.ports.map((p) => ({ port: p.port, ok: p.ok, ...(p.stage ? { stage: p.stage } : {}), ...(p.connect ? { connect: p.connect } : {}), ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {}) })),
    ...(r.code ? { code: r.code } : {}),
  };
  const { blocked: _old, running, ...rest } = prev;
  return {
    ...rest,
    consecutiveFailures: r.outcome === 'interrupted' ? prev.consecutiveFailures : failed ? prev.consecutiveFailures + 1 : 0,
    last: summary,
    ...(r.code && CONFIG_CODES.has(r.code) ? { blocked: { reason: r.code, message: r.detail ?? r.code } } : {}),
    // Another run that started since (this one being recorded late) stays marked.
    ...(running && running.runId !== r.runId ? { running } : {}),
  };
}

const REASON_OF_STAGE: Record<ProbeStage, ReasonOf<'Reachable'>> = { dns: Reasons.Reachable.DnsFailed, connect: Reasons.Reachable.ConnectFailed, infrastructure: Reasons.Reachable.InfrastructureFailed };

/** The Reachable reason of a failed run, from its outcome and its ports' stages (as failingStage picks them), never from a message. */
export function failedRunReason(r: Pick<ProbeRunSummary, 'outcome' | 'ports'>): ReasonOf<'Reachable'> {
  if (r.outcome === 'deadline') return Reasons.Reachable.DeadlineExceeded;
  if (r.outcome === 'interrupted') return Reasons.Reachable.ProbeFailed;
  const p = r.ports.find((x) => !x.ok && x.stage !== 'infrastructure') ?? r.ports.find((x) => !x.ok);
  return p?.stage ? REASON_OF_STAGE[p.stage] : Reasons.Reachable.InfrastructureFailed;
}

/**
 * The `probes` section: each probe's last result and next run, and `Reachable` — False when a
 * probe failed `threshold` runs in a row (the failing stage in the reason and message) or cannot
 * run as configured; True when every probe's last run passed; Unknown before any run. The
 * condition carries `generation`, the spec generation whose probes it judges.
 */
export function probesSection(prev: Condition[], states: readonly (ProbeState & { every: string })[], threshold: number, now: string, generation: number): ProbesSection {
  const probes = states.map((s): ProbeListing => {
    const next = nextRunAt(s.every, s);
    return { subnetId: s.subnetId, ...(s.last ?? {}), ...(next ? { nextRunAt: next } : {}) };
  });
  const blocked = states.find((s) => s.blocked);
  const failing = states.find((s) => s.consecutiveFailures >= threshold && s.last);
  let condition: ConditionInput;
  const g = { observedGeneration: generation };
  const R = Reasons.Reachable;
  if (blocked) condition = { type: ConditionTypes.Reachable, status: 'False', reason: isConfigCode(blocked.blocked!.reason) ? blocked.blocked!.reason : armCode(blocked.blocked!.reason), message: `probe from ${blocked.subnetId}: ${blocked.blocked!.message}`, ...g };
  else if (failing) {
    const stage = failing.last!.stage ?? 'infrastructure';
    const bad = failing.last!.ports.filter((p) => !p.ok).map((p) => p.port);
    condition = {
      type: ConditionTypes.Reachable,
      status: 'False',
      reason: failedRunReason(failing.last!),
      ...g,
      message: `probe from ${failing.subnetId} failed ${failing.consecutiveFailures} runs in a row; last at ${failing.last!.at}: stage ${stage}${bad.length ? ` on port(s) ${bad.join(', ')}` : ''}${failing.last!.code ? ` (${failing.last!.code})` : ''}`,
    };
  } else if (states.length && states.every((s) => s.last && s.consecutiveFailures === 0 && s.last.outcome === 'ok')) condition = { type: ConditionTypes.Reachable, status: 'True', reason: R.ProbesPassing, message: `${states.length} probe(s) passed their last run`, ...g };
  else if (prev.some((c) => c.type === 'Reachable') && states.some((s) => s.last)) return { conditions: [...prev], probes }; // fewer failures in a row than the threshold: unchanged
  else condition = { type: ConditionTypes.Reachable, status: 'Unknown', reason: states.some((s) => s.last) ? R.Failing : R.NoRuns, ...g, message: states.some((s) => s.last) ? 'a probe failed fewer runs in a row than the threshold' : 'no probe run finished yet' };
  return { conditions: setCondition(prev, condition, now), probes };
}
