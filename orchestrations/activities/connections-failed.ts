import * as df from 'durable-functions';
import { connectionsFailure } from '../../core/connections-status';
import { DurableNames } from '../names';
import { forwardRegistry } from './context';

/** Shows a failed connections pass: ConnectionsReconciled False with the ARM code and message. */
export async function connectionsFailed(input: { name: string; failure: { code: string; message: string }; now: string }): Promise<void> {
  const record = await forwardRegistry().get(input.name);
  if (!record) return;
  await forwardRegistry().setConnectionsStatus(input.name, connectionsFailure(record.connections, input.failure, input.now, record.generation));
}

df.app.activity(DurableNames.connectionsFailed, { handler: connectionsFailed });
