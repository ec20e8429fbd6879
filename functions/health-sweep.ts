import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { healthSettings } from '../core/app-settings';
import { healthSweepPass } from './health-watch';
import { startRecycle } from '../orchestrations/recycle-client';
import { FunctionNames } from './names';
import { signalReconcile } from './singletons';

/**
 * The health watch's timer (schedule PLF_HEALTH_SCHEDULE, default every minute): one sweep over
 * every forward (functions/health-watch.ts: metrics in batches, decisions in core/health-sweep.ts), then a recycle singleton for
 * each node the sweep picked. Skipped forwards (metrics unavailable) are named in the log and in
 * their status (NodesHealthy Unknown, MetricsUnavailable).
 */
export async function healthSweep(_timer: Timer, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  const s = await healthSweepPass(new Date());
  for (const r of s.recycles) await startRecycle(client, r.name, r.instanceId, r.reason);
  // A raised NAT IP count is applied by the forward's reconcile (so drift repair keeps it).
  for (const name of s.natRaised) await signalReconcile(client, name);
  // Nodes healthy again under a Degraded phase: the reconcile records Ready from fresh instance views.
  for (const name of s.reobserve.filter((n) => !s.natRaised.includes(n))) await signalReconcile(client, name);
  context.log(
    `health sweep: ${s.forwards} forward(s), ${s.metricsCalls} metrics batch call(s), ${s.armReads} ARM read(s), ${s.recycles.length} recycle(s)` +
      (s.outages.length ? `, target outage: ${s.outages.join(', ')}` : '') +
      (s.natRaised.length ? `, NAT IP added: ${s.natRaised.join(', ')}` : '') +
      (s.skipped.length ? `, skipped ${s.skipped.length}: ${s.skipped.map((x) => `${x.name} (${x.reason})`).join('; ')}` : ''),
  );
}

app.timer(FunctionNames.healthSweep, { schedule: healthSettings(process.env).schedule, extraInputs: [df.input.durableClient()], handler: healthSweep });
