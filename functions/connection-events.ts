import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { pollIntervalMs } from '../core/app-settings';
import { forwardOfPrivateLinkService } from '../core/names';
import { classifyResourceEvent } from '../core/resource-event';
import { DurableNames } from '../orchestrations/names';
import { startUnlessRunning } from '../orchestrations/kit/singleton-client';
import { ConnectionStore } from '../store/connection-store';
import { ForwardRegistry } from '../store/forward-registry';
import { FunctionNames } from './names';
import { signalConnections } from './singletons';

/**
 * Event Grid trigger (served at `/runtime/webhooks/eventgrid?functionName=connectionEvents`; the
 * host answers both validation handshakes). A write/delete of a private endpoint connection,
 * private endpoint or NIC wakes the forward it concerns; nothing here decides anything or calls
 * ARM — the flow re-reads ARM. Mapping: a connection's PLS name -> the forward (only when the
 * forward's status names that very PLS); an endpoint or NIC -> the forward whose connection rows
 * know it; an unknown endpoint or NIC write -> a small orchestration that reads ARM to find out.
 * Unknown, foreign or malformed events are logged once and ignored, never thrown: Event Grid
 * retries failures for up to a day and drops a 400, and neither helps.
 */
export async function connectionEvents(event: unknown, context: InvocationContext): Promise<void> {
  const e = classifyResourceEvent(event);
  if (e.kind === 'ignored') {
    context.log(`event ${e.eventId} ignored: ${e.reason}`);
    return;
  }
  try {
    const client = df.getClient(context);
    const wake = { actor: 'event' as const, resourceIds: [e.resourceId.toLowerCase()] };
    if (e.resource === 'connection') {
      const parts = e.resourceId.split('/');
      const plsId = parts.slice(0, -2).join('/');
      const forward = forwardOfPrivateLinkService(parts[parts.length - 3] ?? '');
      const record = forward ? await ForwardRegistry.fromEnv(process.env).get(forward) : undefined;
      if (!forward || !record || record.status.resources.privateLinkServiceId?.toLowerCase() !== plsId.toLowerCase()) {
        context.log(`event ${e.eventId} ignored: ${plsId} is not a forward's private link service`);
        return;
      }
      await signalConnections(client, forward, wake);
      return;
    }
    const forward = await ConnectionStore.fromEnv(process.env).forwardOf(e.resourceId);
    if (forward) {
      await signalConnections(client, forward, wake);
      return;
    }
    if (e.operation === 'delete') {
      context.log(`event ${e.eventId} ignored: ${e.resource} ${e.resourceId} is not known to any forward`);
      return;
    }
    const routeId = `route:${e.resourceId.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(-180)}`;
    await startUnlessRunning(client, { orchestrator: DurableNames.routeResourceEvent, instanceId: routeId, input: { resourceId: e.resourceId, actor: 'event', pollMs: pollIntervalMs(process.env) } });
  } catch (err) {
    // The sweep timer repeats the same reconcile; a lost wake-up only delays.
    context.warn(`event ${e.eventId} for ${e.resourceId}: could not wake its forward (${(err as Error).message}); the sweep will`);
  }
}

app.eventGrid(FunctionNames.connectionEvents, { extraInputs: [df.input.durableClient()], handler: connectionEvents });
