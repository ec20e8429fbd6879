import type { DurableClient } from 'durable-functions';
import { healthSettings, pollIntervalMs, type Env } from '../core/app-settings';
import { forwardNames } from '../core/names';
import { startOrSignal } from './kit/singleton-client';
import { DurableNames, RECYCLE_REQUESTED_EVENT } from './names';
import type { RecycleInput } from './recycle-node';

/** Starts `recycle:{name}` for a node (a running recycle gets an event it ignores: one at a time). */
export function startRecycle(client: DurableClient, name: string, instanceId: string, reason: string, env: Env = process.env): Promise<'started' | 'signalled'> {
  const input: RecycleInput = { name, instanceId, reason, pollMs: pollIntervalMs(env), verifyPolls: healthSettings(env).verifyPolls };
  return startOrSignal(client, { orchestrator: DurableNames.recycleNode, instanceId: forwardNames(name).recycleOrchestrationId, input, event: RECYCLE_REQUESTED_EVENT, eventData: { instanceId } });
}
