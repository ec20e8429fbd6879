import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { traceAndLog } from '../../datapath/trace';
import { refId, type Json } from '../network/common';
import { parseProbeCommand, runProbe } from './probe-command';

/**
 * What the containers of a group are doing. A run executes the container's command against the
 * simulated data path when it starts and finishes `runMs` later with the command's exit code.
 * The restart policy then decides, as ACI does: `Never` stays Terminated; `OnFailure` restarts a
 * non-zero exit; `Always` restarts every exit. A container waiting to restart shows `Waiting`
 * (CrashLoopBackOff) with the finished run as `previousState`; after `restartDelayMs` the next
 * read starts it again (once per read, so a zero delay cannot spin), re-running the command
 * against the data path as it is then.
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
}

export interface Settings {
  runMs?: number;
  restartDelayMs?: number;
}

export const settings = (emu: EmulatorRuntime) => emu.state.bag<Settings>('containerinstance.settings', () => ({}));
const runMs = (emu: EmulatorRuntime) => settings(emu).runMs ?? emu.options.lroDelayMs;
/** ACI's first crash-loop back-off is about 10 s. */
const restartDelayMs = (emu: EmulatorRuntime) => settings(emu).restartDelayMs ?? 10_000;

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
  return policy === 'Always' || (policy === 'OnFailure' && run.exitCode !== 0);
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
  const run = runProbe(parsed.nc, traceAndLog(emu, from, parsed.nc.host, parsed.nc.port, cg.id, typeof ip === 'string' ? ip : undefined));
  return { exitCode: run.exitCode, logs: run.stdout + run.stderr };
}

function newRun(emu: EmulatorRuntime, cg: StoredResource, c: { name: string; command: string[] }, now: number): Run {
  const { exitCode, logs } = execute(emu, cg, c.command);
  const doneAt = now + runMs(emu);
  return { container: c.name, exitCode, logs, startTime: new Date(now).toISOString(), finishTime: new Date(doneAt).toISOString(), doneAt, restartCount: 0 };
}

/** (Re)starts every container now. */
export function startGroup(emu: EmulatorRuntime, cg: StoredResource): void {
  const now = Date.now();
  const internal = internalOf(cg);
  internal.runs = containersOf(cg.body).map((c) => newRun(emu, cg, c, now));
  delete internal.stopped;
}

/** Restarts containers whose policy says so and whose back-off has passed (once per call). */
export function advance(emu: EmulatorRuntime, cg: StoredResource): void {
  const internal = internalOf(cg);
  if (internal.stopped || !internal.runs) return;
  const now = Date.now();
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

export function containerInstanceView(cg: StoredResource, container: string): Json {
  const internal = internalOf(cg);
  const run = internal.runs?.find((r) => r.container === container);
  if (!run) return { restartCount: 0, currentState: { state: 'Waiting', detailStatus: '' }, events: [] };
  const now = Date.now();
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
    events: [{ count: run.restartCount + 1, firstTimestamp: run.startTime, lastTimestamp: run.startTime, name: 'Started', message: `Started container ${container}`, type: 'Normal' }],
  };
}

export function groupState(cg: StoredResource): string {
  const internal = internalOf(cg);
  if (internal.stopped) return 'Stopped';
  const runs = internal.runs ?? [];
  const now = Date.now();
  if (runs.some((r) => r.doneAt > now || restarts(cg, r))) return 'Running';
  return runs.every((r) => r.exitCode === 0) ? 'Succeeded' : 'Failed';
}
