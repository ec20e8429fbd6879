import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { connectionsPassSeconds } from '../core/app-settings';
import { ForwardRegistry } from '../store/forward-registry';
import { FunctionNames } from './names';
import { signalConnections } from './singletons';

/**
 * The safety net of the connections flow (schedule PLF_CONNECTIONS_SCHEDULE, default every 5
 * minutes): wakes every forward's connections flow, because whether Azure tells the provider
 * about a new Pending connection is not documented (azure-facts.md). An idle pass costs one
 * list call per forward and writes nothing.
 */
export async function connectionsSweep(_timer: Timer, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  const records = (await ForwardRegistry.fromEnv(process.env).list()).filter((r) => !r.deleting && r.status.resources.privateLinkServiceId);
  for (const r of records) await signalConnections(client, r.name, { actor: 'sweep' });
  if (records.length) context.log(`connections sweep: woke ${records.length} forward(s)`);
}

app.timer(FunctionNames.connectionsSweep, { schedule: connectionsPassSeconds(process.env).schedule, extraInputs: [df.input.durableClient()], handler: connectionsSweep });
