import * as df from 'durable-functions';
import { DurableNames } from '../names';
import { forwardRegistry } from './context';

/** The last step of a delete: the registry entry goes once nothing tagged with the forward remains. */
export async function removeForward(name: string): Promise<void> {
  await forwardRegistry().remove(name);
}

df.app.activity(DurableNames.removeForward, { handler: removeForward });
