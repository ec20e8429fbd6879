import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { reconcileSchedule } from '../core/app-settings';
import { ForwardRegistry } from '../store/forward-registry';
import { FunctionNames } from './names';
import { isReconciling, signalReconcile } from './singletons';

/**
 * Every two minutes (PLF_RECONCILE_SCHEDULE): every forward must have its reconcile orchestration running. This picks up
 * a spec written just before a crash (intent recorded, orchestration never started) and a signal
 * that reached an orchestration as it finished.
 */
export async function reconcileSweep(_timer: Timer, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  const records = await ForwardRegistry.fromEnv(process.env).list();
  let started = 0;
  for (const r of records) {
    if (await isReconciling(client, r.name)) continue;
    await signalReconcile(client, r.name);
    started++;
  }
  if (started) context.log(`reconcile sweep: started ${started} of ${records.length} forward orchestration(s)`);
}

app.timer(FunctionNames.reconcileSweep, { schedule: reconcileSchedule(process.env), extraInputs: [df.input.durableClient()], handler: reconcileSweep });
