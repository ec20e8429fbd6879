import { randomUUID } from 'node:crypto';
import type { DurableClient } from 'durable-functions';
import { pollIntervalMs, probeSettings, type Env } from '../core/app-settings';
import { probeInstanceId } from '../core/probes';
import { isFinishedRun, ProbeHistory } from '../store/probe-history';
import { isRunning, startUnlessRunning } from './kit/singleton-client';
import { DurableNames } from './names';
import type { ProbeRunInput, ProbeSpec } from './activities/probes';

/**
 * Client side of probe runs (triggers only): a run's input from app settings, and start unless
 * the (forward, probe) singleton already runs — an overlapping run is refused, never stacked.
 */
export function probeRunInput(forward: string, probe: ProbeSpec, actor: ProbeRunInput['actor'], env: Env = process.env): ProbeRunInput {
  return { forward, probe, runId: randomUUID(), actor, pollMs: pollIntervalMs(env), deadlineSeconds: probeSettings(env).deadline };
}

/** How long a start waits for a run whose result is already recorded to complete its instance (ms). */
export const FINISHING_WAIT_MS = 5_000;
const FINISHING_POLL_MS = 50;

/**
 * Starts the (forward, probe) run unless one runs: `running` refuses the overlap. A run whose
 * result is already recorded (GET .../runs/{runId} answers it finished: probeFinish wrote it) is
 * not in progress any more, though its instance still makes its last replay for a moment before
 * the runtime marks it Completed: the start waits for that (at most FINISHING_WAIT_MS), so a
 * caller who saw the run finish is not refused. `recorded`: whether a run's result is in the
 * history (tests pass their own).
 */
export async function startProbeRun(
  client: DurableClient,
  input: ProbeRunInput,
  recorded: (forward: string, runId: string) => Promise<boolean> = async (forward, runId) => {
    const run = await ProbeHistory.fromEnv(process.env).get(forward, runId);
    return !!run && isFinishedRun(run);
  },
): Promise<'started' | 'running'> {
  const singleton = { orchestrator: DurableNames.probeRun, instanceId: probeInstanceId(input.forward, input.probe.subnetId), input } as const;
  const first = await startUnlessRunning(client, singleton);
  if (first === 'started') return first;
  const status = await client.getStatus(singleton.instanceId, { showInput: true }).catch(() => undefined);
  const runId = (status?.input as Partial<ProbeRunInput> | undefined)?.runId;
  if (typeof runId !== 'string' || !(await recorded(input.forward, runId))) return 'running';
  for (const until = Date.now() + FINISHING_WAIT_MS; Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, FINISHING_POLL_MS));
    if (!(await isRunning(client, singleton.instanceId))) return startUnlessRunning(client, singleton);
  }
  return 'running';
}
