import * as df from 'durable-functions';
import { DurableNames } from '../names';
import { actionLog, connectionStore, forwardRegistry } from './context';
import { probeHistory, probeStates } from './probes';

/**
 * The last step of a delete: once nothing tagged with the forward remains, its connection rows,
 * its action log, its probe history and probe states, and its registry entry go (the entry last:
 * it is what the sweep looks for) — but only while the forward is still marked for deletion at the
 * generation the teardown carried out. A PUT during the teardown cancels the deletion (README):
 * then nothing is removed and `removed: false` tells the orchestration to provision it again.
 * A bare name (histories recorded before the generation was passed) removes as before.
 */
export async function removeForward(input: string | { name: string; generation: number }): Promise<{ removed: boolean }> {
  const { name, generation } = typeof input === 'string' ? { name: input, generation: undefined } : input;
  if (generation !== undefined) {
    const now = await forwardRegistry().get(name);
    if (now && (!now.deleting || now.generation !== generation)) return { removed: false };
  }
  await connectionStore().removeAll(name);
  await actionLog().removeAll(name);
  await probeHistory().removeAll(name);
  await probeStates().removeAll(name);
  if (generation === undefined) {
    await forwardRegistry().remove(name);
    return { removed: true };
  }
  // A PUT between the check above and here keeps the entry; the rows removed meanwhile are
  // rebuilt by the next passes (connections, probes), the action log restarts.
  return { removed: (await forwardRegistry().removeIfDeleting(name, generation)) !== 'kept' };
}

df.app.activity(DurableNames.removeForward, { handler: removeForward });
