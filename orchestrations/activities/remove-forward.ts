import * as df from 'durable-functions';
import { DurableNames } from '../names';
import { actionLog, connectionStore, forwardRegistry } from './context';
import { probeHistory, probeStates } from './probes';

/**
 * The last step of a delete: once nothing tagged with the forward remains, its connection rows,
 * its action log, its probe history and probe states, and its registry entry go (the entry last: it is what the sweep looks for).
 */
export async function removeForward(name: string): Promise<void> {
  await connectionStore().removeAll(name);
  await actionLog().removeAll(name);
  await probeHistory().removeAll(name);
  await probeStates().removeAll(name);
  await forwardRegistry().remove(name);
}

df.app.activity(DurableNames.removeForward, { handler: removeForward });
