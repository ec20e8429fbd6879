import type { DurableClient } from 'durable-functions';
import { driftCheckSeconds, pollIntervalMs } from '../core/app-settings';
import { forwardNames } from '../core/names';
import { DurableNames, SPEC_CHANGED_EVENT } from '../orchestrations/names';
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

export { signalConnections } from '../orchestrations/connections-client';
