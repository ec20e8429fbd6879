import type { DurableClient } from 'durable-functions';

/**
 * Start-or-signal for singleton orchestrations (instance ids derived from the forward), used by
 * triggers and activities that hold a durable client. "Already running" is recognised by the
 * instance's runtime status, not by the text of an error: a start refused because another
 * caller won the race is followed by a status read, and a live instance is signalled instead.
 */
const LIVE = new Set(['Running', 'Pending', 'Suspended', 'ContinuedAsNew']);

export interface Singleton {
  orchestrator: string;
  instanceId: string;
  input: unknown;
  /** The external event a running instance gets instead of a second start. */
  event: string;
  eventData?: unknown;
}

export async function isRunning(client: DurableClient, instanceId: string): Promise<boolean> {
  const status = await client.getStatus(instanceId).catch(() => undefined);
  return !!status && LIVE.has(String(status.runtimeStatus));
}

/** Signals the instance when it runs, else starts it; answers which of the two happened. */
export async function startOrSignal(client: DurableClient, s: Singleton): Promise<'started' | 'signalled'> {
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
