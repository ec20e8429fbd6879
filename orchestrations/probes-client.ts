import { randomUUID } from 'node:crypto';
import type { DurableClient } from 'durable-functions';
import { pollIntervalMs, probeSettings, type Env } from '../core/app-settings';
import { probeInstanceId } from '../core/probes';
import { startUnlessRunning } from './kit/singleton-client';
import { DurableNames } from './names';
import type { ProbeRunInput, ProbeSpec } from './activities/probes';

/**
 * Client side of probe runs (triggers only): a run's input from app settings, and start unless
 * the (forward, probe) singleton already runs — an overlapping run is refused, never stacked.
 */
export function probeRunInput(forward: string, probe: ProbeSpec, actor: ProbeRunInput['actor'], env: Env = process.env): ProbeRunInput {
  return { forward, probe, runId: randomUUID(), actor, pollMs: pollIntervalMs(env), deadlineSeconds: probeSettings(env).deadline };
}

/** Starts the (forward, probe) run unless one runs: `running` refuses the overlap. */
export function startProbeRun(client: DurableClient, input: ProbeRunInput): Promise<'started' | 'running'> {
  return startUnlessRunning(client, { orchestrator: DurableNames.probeRun, instanceId: probeInstanceId(input.forward, input.probe.subnetId), input });
}
