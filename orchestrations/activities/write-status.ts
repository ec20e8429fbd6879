import * as df from 'durable-functions';
import { applyStatusWrite, type StatusWrite } from '../../core/reconcile-status';
import { DurableNames } from '../names';
import { forwardRegistry } from './context';

/**
 * Sets the phase and one condition (and an error, or clears it) on the forward's status, as
 * core/reconcile-status.ts applyStatusWrite decides: a failed pass of the generation the forward
 * already serves keeps its phase and shows Synced False instead of Failed.
 */
export interface StatusUpdate extends StatusWrite {
  name: string;
  /** The orchestration's clock, so replays write the same time. */
  now: string;
}

export async function writeForwardStatus(u: StatusUpdate): Promise<void> {
  const registry = forwardRegistry();
  const record = await registry.get(u.name);
  if (!record) return;
  await registry.setStatus(u.name, applyStatusWrite(record.status, u, u.now));
}

df.app.activity(DurableNames.writeForwardStatus, { handler: writeForwardStatus });
