import type { DurableClient } from 'durable-functions';
import { connectionsPassSeconds, driftCheckSeconds, pollIntervalMs } from '../core/app-settings';
import { forwardNames } from '../core/names';
import type { ConnectionsInput, ConnectionsWake } from '../orchestrations/reconcile-connections';
import { CONNECTIONS_CHANGED_EVENT, DurableNames, SPEC_CHANGED_EVENT } from '../orchestrations/names';
import type { ReconcileInput } from '../orchestrations/reconcile-forward';
import { isRunning, startOrSignal } from '../orchestrations/kit/singleton-client';

/**
 * The forward's two singletons, started or signalled from triggers: `forward:{name}` (provision,
 * converge, tear down) and `connections:{name}` (approvals and DNS records). They are separate so
 * an approval never waits behind a long provisioning pass or a rolling upgrade.
 */
export function signalReconcile(client: DurableClient, name: string): Promise<'signalled' | 'started'> {
  const input: ReconcileInput = { name, pollMs: pollIntervalMs(process.env), driftSeconds: driftCheckSeconds(process.env) };
  return startOrSignal(client, { orchestrator: DurableNames.reconcileForward, instanceId: forwardNames(name).orchestrationId, input, event: SPEC_CHANGED_EVENT, eventData: { at: new Date().toISOString() } });
}

/** Whether the forward's reconcile orchestration is running (the sweep starts the ones that are not). */
export function isReconciling(client: DurableClient, name: string): Promise<boolean> {
  return isRunning(client, forwardNames(name).orchestrationId);
}

/** Wakes the forward's connections singleton; `wake` says who woke it and which resources changed. */
export function signalConnections(client: DurableClient, name: string, wake: ConnectionsWake): Promise<'signalled' | 'started'> {
  const input: ConnectionsInput = { name, pollMs: pollIntervalMs(process.env), lingerSeconds: connectionsPassSeconds(process.env).linger, wake };
  return startOrSignal(client, { orchestrator: DurableNames.reconcileConnections, instanceId: forwardNames(name).connectionsOrchestrationId, input, event: CONNECTIONS_CHANGED_EVENT, eventData: wake });
}
