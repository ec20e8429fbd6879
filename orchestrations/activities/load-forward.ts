import * as df from 'durable-functions';
import { DurableNames } from '../names';
import { forwardRegistry } from './context';

/** The forward's generation and whether it is being deleted (absent = nothing to do). */
export interface ForwardSnapshot {
  exists: boolean;
  generation: number;
  observedGeneration: number;
  deleting: boolean;
}

export async function loadForward(name: string): Promise<ForwardSnapshot> {
  const r = await forwardRegistry().get(name);
  if (!r) return { exists: false, generation: 0, observedGeneration: 0, deleting: false };
  return { exists: true, generation: r.generation, observedGeneration: r.status.observedGeneration, deleting: r.deleting };
}

df.app.activity(DurableNames.loadForward, { handler: loadForward });
