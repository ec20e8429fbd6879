import type { DurableClient } from 'durable-functions';
import { connectionsPassSeconds, pollIntervalMs, type Env } from '../core/app-settings';
import { forwardNames } from '../core/names';
import { startOrSignal } from './kit/singleton-client';
import { CONNECTIONS_CHANGED_EVENT, DurableNames } from './names';
import type { ConnectionsInput, ConnectionsWake } from './reconcile-connections';

/**
 * Client side of the connections flow (runs in triggers and in activities that hold a durable
 * client, never in an orchestrator): its input from app settings, and start-or-signal.
 */
export function connectionsInput(name: string, wake: ConnectionsWake, env: Env = process.env): ConnectionsInput {
  return { name, pollMs: pollIntervalMs(env), lingerSeconds: connectionsPassSeconds(env).linger, wake };
}

/** Wakes the forward's connections singleton `connections:{name}` (starts it when it is not running). */
export function signalConnections(client: DurableClient, name: string, wake: ConnectionsWake): Promise<'signalled' | 'started'> {
  return startOrSignal(client, { orchestrator: DurableNames.reconcileConnections, instanceId: forwardNames(name).connectionsOrchestrationId, input: connectionsInput(name, wake), event: CONNECTIONS_CHANGED_EVENT, eventData: wake });
}
