import type { DurableClient } from 'durable-functions';
import type { ProbeRunInput } from '../activities/probes';
import type { ConnectionsInput } from '../reconcile-connections';
import type { ReconcileInput } from '../reconcile-forward';
import type { RecycleInput } from '../recycle-node';
import type { RouteResourceInput } from '../route-resource-event';

/**
 * Singleton orchestrations (instance ids derived from the forward or the resource), started from
 * triggers and activities that hold a durable client: start-or-signal (a live instance gets an
 * event instead) and start-unless-running (a live instance is left alone). "Already running" is
 * recognised by the instance's runtime status, not by the text of an error: a start refused
 * because another caller won the race is followed by a status read.
 */
const LIVE = new Set(['Running', 'Pending', 'Suspended', 'ContinuedAsNew']);

/** Each orchestrator's input (names as in orchestrations/names.ts `DurableNames`). */
export interface OrchestratorInputs {
  reconcileForward: ReconcileInput;
  reconcileConnections: ConnectionsInput;
  recycleNode: RecycleInput;
  probeRun: ProbeRunInput;
  routeResourceEvent: RouteResourceInput;
}

/** A singleton to start when it is not running (nothing is sent to a live one). */
export interface SingletonStart<N extends keyof OrchestratorInputs = keyof OrchestratorInputs> {
  orchestrator: N;
  instanceId: string;
  input: OrchestratorInputs[N];
}

export interface Singleton<N extends keyof OrchestratorInputs = keyof OrchestratorInputs> extends SingletonStart<N> {
  /** The external event a running instance gets instead of a second start. */
  event: string;
  eventData?: unknown;
}

export async function isRunning(client: DurableClient, instanceId: string): Promise<boolean> {
  const status = await client.getStatus(instanceId).catch(() => undefined);
  return !!status && LIVE.has(String(status.runtimeStatus));
}

/** Signals the instance when it runs, else starts it; answers which of the two happened. */
export async function startOrSignal<N extends keyof OrchestratorInputs>(client: DurableClient, s: Singleton<N>): Promise<'started' | 'signalled'> {
  if (await isRunning(client, s.instanceId)) {
    await client.raiseEvent(s.instanceId, s.event, s.eventData ?? {});
    return 'signalled';
  }
  try {
    await client.startNew(s.orchestrator, { instanceId: s.instanceId, input: s.input });
    return 'started';
  } catch (err) {
    // Lost a race with another starter: the instance is live now, so it gets the signal.
    if (!(await isRunning(client, s.instanceId))) throw err;
    await client.raiseEvent(s.instanceId, s.event, s.eventData ?? {});
    return 'signalled';
  }
}

/**
 * Starts the instance unless it runs: `running` when it is live (checked before the start, and
 * after a start refused because another caller won the race), else `started`. A start refused
 * for another reason throws.
 */
export async function startUnlessRunning<N extends keyof OrchestratorInputs>(client: DurableClient, s: SingletonStart<N>): Promise<'started' | 'running'> {
  if (await isRunning(client, s.instanceId)) return 'running';
  try {
    await client.startNew(s.orchestrator, { instanceId: s.instanceId, input: s.input });
    return 'started';
  } catch (err) {
    if (await isRunning(client, s.instanceId)) return 'running';
    throw err;
  }
}
