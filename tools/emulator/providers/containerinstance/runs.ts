import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { dataPathLog, traceAndLog, type Verdict } from '../../datapath/trace';
import { refId, type Json } from '../network/common';
import { parseProbeCommand, runProbe } from './probe-command';
import { isPullable } from './registry';
import { groupResolve } from './dns';

/**
 * What the containers of a group are doing. A run executes the container's command against the
 * simulated data path when it starts and finishes `runMs` later with the command's exit code.
 * The restart policy then decides, as ACI does: `OnFailure` restarts a non-zero exit; `Always`
 * restarts every exit; `Never` keeps a zero exit Terminated, but a non-zero exit IS restarted once
 * by the platform (ACI-13: Learn, "Run containerized tasks with restart policies", Restart
 * behavior with nonzero exit codes: "the platform might still restart the container regardless of
 * the restart policy setting. This behavior applies even when the restart policy is set to
 * `Never`" — how often is undocumented; once is the stricter model, the container is Running again
 * after its first termination), then stays Terminated. A container waiting to restart shows
 * `Waiting` (CrashLoopBackOff) with the finished run as `previousState`; after `restartDelayMs`
 * the next read starts it again (once per read, so a zero delay cannot spin), re-running the
 * command against the data path as it is then. The logs are those of the latest run only (as
 * `az container logs` shows the current instance).
 *
 * A group whose deployment failed (its create operation ended Failed: a failLro fault, a pull
 * given up) has no running containers (ACI-15): each waits with no exit code, no log, and never
 * restarts; the group's state is Failed.
 *
 * A group with an image the registry cannot serve (registry.ts) never starts: its containers
 * wait while ACI retries the pull, with `Pulling` / `Failed` / `BackOff` events whose count grows
 * every `pullRetryMs`, until the deployment fails after `pullGiveUpMs` (index.ts ends the create
 * operation Failed then). Learn, "Troubleshoot common issues in Azure Container Instances",
 * Unable to pull image: "it retries for time ... ACI eventually fails the deployment"; the
 * retry interval and how long it retries are undocumented (defaults here: 10 s and 15 min).
 */
export interface Run {
  container: string;
  exitCode: number;
  logs: string;
  startTime: string;
  finishTime: string;
  /** Epoch ms when the run ends. */
  doneAt: number;
  restartCount: number;
  previous?: { exitCode: number; startTime: string; finishTime: string };
}

export interface CgInternal {
  runs: Run[];
  stopped?: boolean;
  /** Set when an image cannot be pulled: when the pull began (epoch ms) and the images that fail. */
  pull?: { since: number; failing: string[] };
}

export interface Settings {
  runMs?: number;
  restartDelayMs?: number;
  pullRetryMs?: number;
  pullGiveUpMs?: number;
}

export const settings = (emu: EmulatorRuntime) => emu.state.bag<Settings>('containerinstance.settings', () => ({}));
const runMs = (emu: EmulatorRuntime) => settings(emu).runMs ?? emu.options.lroDelayMs;
/** ACI's first crash-loop back-off is about 10 s. */
const restartDelayMs = (emu: EmulatorRuntime) => settings(emu).restartDelayMs ?? 10_000;
export const pullRetryMs = (emu: EmulatorRuntime) => settings(emu).pullRetryMs ?? 10_000;
export const pullGiveUpMs = (emu: EmulatorRuntime) => settings(emu).pullGiveUpMs ?? 900_000;

/** The images of the group the registry cannot serve (none = the group can start). */
export function unpullableImages(body: Json): string[] {
  return [...new Set(containersOf(body).map((c) => c.image).filter((i) => !isPullable(i)))];
}

export const internalOf = (cg: StoredResource) => cg.internal as unknown as CgInternal;

export function containersOf(body: Json): { name: string; command: string[]; image: string }[] {
  const props = (body.properties ?? {}) as Json;
  return ((props.containers as Json[]) ?? []).map((c) => {
    const p = (c.properties ?? {}) as Json;
    return { name: String(c.name), command: Array.isArray(p.command) ? (p.command as string[]) : [], image: String(p.image ?? '') };
  });
}

export function subnetOf(cg: StoredResource): string | undefined {
  return refId((((cg.body.properties ?? {}) as Json).subnetIds as Json[] | undefined)?.[0]);
}

const restartPolicy = (cg: StoredResource) => String(((cg.body.properties ?? {}) as Json).restartPolicy ?? 'Always');

function restarts(cg: StoredResource, run: Run): boolean {
  const policy = restartPolicy(cg);
  // ACI-13: the platform restarts a `Never` container that exited non-zero (once, in this model).
  return policy === 'Always' || (run.exitCode !== 0 && (policy === 'OnFailure' || (policy === 'Never' && run.restartCount === 0)));
}

/** ACI-15: the group's last deployment failed (its write operation ended Failed). */
export function deploymentFailed(cg: StoredResource): boolean {
  return ((cg.body.properties ?? {}) as Json).provisioningState === 'Failed';
}

/** Runs one container's command now (exit code and busybox-like logs). */
function execute(emu: EmulatorRuntime, cg: StoredResource, command: string[]): { exitCode: number; logs: string } {
  const from = subnetOf(cg);
  const parsed = parseProbeCommand(command);
  if (!parsed.ok) return { exitCode: 127, logs: `emulator: ${parsed.message}\n` };
  if (!from) {
    return {
      exitCode: 1,
      logs: `nc: ${parsed.nc.host} (${parsed.nc.host}:${parsed.nc.port}): Network is unreachable (the emulator simulates VNet-injected groups only: set subnetIds)\n`,
    };
  }
  const ip = (((cg.body.properties ?? {}) as Json).ipAddress as Json | undefined)?.ip;
  // Names resolve through the group's own DNS (dns.ts: dnsConfig or Azure-provided DNS), then the
  // data path is traced to the address.
  const name = groupResolve(emu, cg, from, parsed.nc.host);
  if (!name.ok) {
    const verdict: Verdict = { reachable: false, from, host: parsed.nc.host, port: parsed.nc.port, hops: [{ hop: 'dns', ok: false, detail: name.reason }], reason: `dns: ${name.reason}`, failure: 'dns' };
    const log = dataPathLog(emu);
    log.push({ time: emu.clock.iso(), source: cg.id, ...verdict });
    if (log.length > 200) log.splice(0, log.length - 200);
    const run = runProbe(parsed.nc, verdict);
    return { exitCode: run.exitCode, logs: run.stdout + run.stderr };
  }
  const traced = traceAndLog(emu, from, name.ip, parsed.nc.port, cg.id, typeof ip === 'string' ? ip : undefined);
  // The log entry names the host and how it resolved (the trace itself saw the address only).
  const entry = dataPathLog(emu).at(-1) as { source?: string; host?: string; hops?: unknown[] } | undefined;
  if (entry?.source === cg.id && name.via !== 'literal') {
    entry.host = parsed.nc.host;
    entry.hops = [{ hop: 'dns', ok: true, detail: `${parsed.nc.host} -> ${name.ip} (${name.via})` }, ...traced.hops.filter((h) => h.hop !== 'dns')];
  }
  const run = runProbe(parsed.nc, { ...traced, host: parsed.nc.host, ip: name.ip });
  return { exitCode: run.exitCode, logs: run.stdout + run.stderr };
}

function newRun(emu: EmulatorRuntime, cg: StoredResource, c: { name: string; command: string[] }, now: number): Run {
  const { exitCode, logs } = execute(emu, cg, c.command);
  const doneAt = now + runMs(emu);
  return { container: c.name, exitCode, logs, startTime: new Date(now).toISOString(), finishTime: new Date(doneAt).toISOString(), doneAt, restartCount: 0 };
}

/** (Re)starts every container now; a group with an image that cannot be pulled starts pulling instead. */
export function startGroup(emu: EmulatorRuntime, cg: StoredResource): void {
  const now = emu.clock.now();
  const internal = internalOf(cg);
  delete internal.stopped;
  const failing = unpullableImages(cg.body);
  if (failing.length) {
    internal.runs = [];
    internal.pull = { since: now, failing };
    return;
  }
  delete internal.pull;
  internal.runs = containersOf(cg.body).map((c) => newRun(emu, cg, c, now));
}

/** Whether the group has stopped retrying its pull (its deployment failed). */
export function pullGaveUp(emu: EmulatorRuntime, cg: StoredResource, now = emu.clock.now()): boolean {
  const pull = internalOf(cg).pull;
  return !!pull && now - pull.since >= pullGiveUpMs(emu);
}

/** The events of a container while its group pulls (Learn's example: Pulling, Failed, BackOff, each with a count). */
function pullEvents(emu: EmulatorRuntime, cg: StoredResource, image: string, now: number): Json[] {
  const pull = internalOf(cg).pull!;
  const first = new Date(pull.since).toISOString();
  if (!pull.failing.includes(image)) {
    return [{ count: 1, firstTimestamp: first, lastTimestamp: first, name: 'Pulling', message: `pulling image "${image}"`, type: 'Normal' }, { count: 1, firstTimestamp: first, lastTimestamp: first, name: 'Pulled', message: `Successfully pulled image "${image}"`, type: 'Normal' }];
  }
  const until = Math.min(now, pull.since + pullGiveUpMs(emu));
  const attempts = 1 + Math.floor((until - pull.since) / Math.max(1, pullRetryMs(emu)));
  const last = new Date(pull.since + (attempts - 1) * pullRetryMs(emu)).toISOString();
  const ev = (name: string, message: string, type: string) => ({ count: attempts, firstTimestamp: first, lastTimestamp: last, name, message, type });
  return [
    ev('Pulling', `pulling image "${image}"`, 'Normal'),
    ev('Failed', `Failed to pull image "${image}": rpc error: code 2 desc Error: image ${image} not found`, 'Warning'),
    ev('BackOff', `Back-off pulling image "${image}"`, 'Normal'),
  ];
}

/** Restarts containers whose policy says so and whose back-off has passed (once per call). */
export function advance(emu: EmulatorRuntime, cg: StoredResource): void {
  const internal = internalOf(cg);
  if (internal.stopped || !internal.runs || deploymentFailed(cg)) return;
  const now = emu.clock.now();
  const containers = containersOf(cg.body);
  internal.runs = internal.runs.map((run) => {
    if (run.doneAt > now || !restarts(cg, run) || now < run.doneAt + restartDelayMs(emu)) return run;
    const c = containers.find((x) => x.name === run.container);
    if (!c) return run;
    return {
      ...newRun(emu, cg, c, now),
      restartCount: run.restartCount + 1,
      previous: { exitCode: run.exitCode, startTime: run.startTime, finishTime: run.finishTime },
    };
  });
}

const terminated = (r: { exitCode: number; startTime: string; finishTime: string }) => ({
  state: 'Terminated',
  startTime: r.startTime,
  exitCode: r.exitCode,
  finishTime: r.finishTime,
  detailStatus: r.exitCode === 0 ? 'Completed' : 'Error',
});

export function containerInstanceView(emu: EmulatorRuntime, cg: StoredResource, container: string): Json {
  const internal = internalOf(cg);
  if (internal.pull) {
    const image = containersOf(cg.body).find((c) => c.name === container)?.image ?? '';
    return { restartCount: 0, currentState: { state: 'Waiting', detailStatus: '' }, events: pullEvents(emu, cg, image, emu.clock.now()) };
  }
  const run = internal.runs?.find((r) => r.container === container);
  if (!run || deploymentFailed(cg)) return { restartCount: 0, currentState: { state: 'Waiting', detailStatus: '' }, events: [] };
  const now = emu.clock.now();
  const done = internal.stopped || run.doneAt <= now;
  let currentState: Json;
  let previousState: Json | undefined = run.previous ? terminated(run.previous) : undefined;
  if (!done) currentState = { state: 'Running', startTime: run.startTime, detailStatus: '' };
  else if (!internal.stopped && restarts(cg, run)) {
    currentState = { state: 'Waiting', detailStatus: 'CrashLoopBackOff: Back-off restarting failed' };
    previousState = terminated(run);
  } else currentState = terminated(run);
  return {
    restartCount: run.restartCount,
    currentState,
    ...(previousState ? { previousState } : {}),
    events: [
      { count: 1, firstTimestamp: run.startTime, lastTimestamp: run.startTime, name: 'Pulling', message: `pulling image "${image(cg, container)}"`, type: 'Normal' },
      { count: 1, firstTimestamp: run.startTime, lastTimestamp: run.startTime, name: 'Pulled', message: `Successfully pulled image "${image(cg, container)}"`, type: 'Normal' },
      { count: run.restartCount + 1, firstTimestamp: run.startTime, lastTimestamp: run.startTime, name: 'Started', message: `Started container ${container}`, type: 'Normal' },
    ],
  };
}

/** The log of a container's latest run; none when the deployment failed (no container ran). */
export function containerLogs(cg: StoredResource, container: string): string {
  if (deploymentFailed(cg)) return '';
  return internalOf(cg).runs?.find((r) => r.container === container)?.logs ?? '';
}

const image = (cg: StoredResource, container: string) => containersOf(cg.body).find((c) => c.name === container)?.image ?? '';

export function groupState(emu: EmulatorRuntime, cg: StoredResource): string {
  const internal = internalOf(cg);
  if (internal.stopped) return 'Stopped';
  if (internal.pull) return pullGaveUp(emu, cg) ? 'Failed' : 'Pending';
  if (deploymentFailed(cg)) return 'Failed';
  const runs = internal.runs ?? [];
  const now = emu.clock.now();
  if (runs.some((r) => r.doneAt > now || restarts(cg, r))) return 'Running';
  return runs.every((r) => r.exitCode === 0) ? 'Succeeded' : 'Failed';
}
