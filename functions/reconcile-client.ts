import type { DurableClient } from 'durable-functions';
import { driftCheckSeconds, pollIntervalMs } from '../core/app-settings';
import { forwardNames } from '../core/names';
import { DurableNames, SPEC_CHANGED_EVENT } from '../orchestrations/names';
import type { ReconcileInput } from '../orchestrations/reconcile-forward';

const LIVE = new Set(['Running', 'Pending', 'Suspended', 'ContinuedAsNew']);

/**
 * Makes sure the forward's singleton reconcile orchestration runs and knows about the latest
 * spec: signal it when it runs, start it when it does not (a start that loses the race to
 * another one becomes a signal).
 */
export async function signalReconcile(client: DurableClient, name: string): Promise<'signalled' | 'started'> {
  const id = forwardNames(name).orchestrationId;
  const status = await client.getStatus(id).catch(() => undefined);
  if (status && LIVE.has(String(status.runtimeStatus))) {
    await client.raiseEvent(id, SPEC_CHANGED_EVENT, { at: new Date().toISOString() });
    return 'signalled';
  }
  const input: ReconcileInput = { name, pollMs: pollIntervalMs(process.env), driftSeconds: driftCheckSeconds(process.env) };
  try {
    await client.startNew(DurableNames.reconcileForward, { instanceId: id, input });
    return 'started';
  } catch (err) {
    if (!/409/.test(String((err as Error).message))) throw err;
    await client.raiseEvent(id, SPEC_CHANGED_EVENT, { at: new Date().toISOString() });
    return 'signalled';
  }
}

/** Whether the forward's orchestration is running (the sweep starts the ones that are not). */
export async function isReconciling(client: DurableClient, name: string): Promise<boolean> {
  const status = await client.getStatus(forwardNames(name).orchestrationId).catch(() => undefined);
  return !!status && LIVE.has(String(status.runtimeStatus));
}
