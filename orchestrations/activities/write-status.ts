import * as df from 'durable-functions';
import { setCondition, type Condition, type Phase } from '../../core/status';
import { DurableNames } from '../names';
import { forwardRegistry } from './context';

/** Sets the phase and one condition (and an error, or clears it) on the forward's status. */
export interface StatusUpdate {
  name: string;
  phase: Phase;
  condition: Omit<Condition, 'lastTransitionTime'>;
  error?: { code: string; message: string };
  /** The orchestration's clock, so replays write the same time. */
  now: string;
}

export async function writeForwardStatus(u: StatusUpdate): Promise<void> {
  const registry = forwardRegistry();
  const record = await registry.get(u.name);
  if (!record) return;
  const status = { ...record.status, phase: u.phase, conditions: setCondition(record.status.conditions, u.condition, u.now) };
  if (u.error) status.error = u.error;
  else delete status.error;
  await registry.setStatus(u.name, status);
}

df.app.activity(DurableNames.writeForwardStatus, { handler: writeForwardStatus });
