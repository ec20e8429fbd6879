import { hubPlacement, nodeSshKey, type HubPlacement } from '../../core/app-settings';
import { azureClients, type AzureClients } from '../../azure/client-factory';
import { classify } from '../../azure/errors';
import { countRequests, type RequestCount } from '../../azure/request-count';
import { ForwardRegistry, type ForwardRecord } from '../../store/forward-registry';
import type { StepResult } from '../kit/step-result';
import { ActionLog } from '../../store/action-log';
import { ConnectionStore } from '../../store/connection-store';
import { logEvent, type EventFields } from '../kit/structured-log';

/**
 * What activities share: the registry, the Azure clients and the forward's placement, and one
 * way to turn an Azure failure into a step result the orchestration understands (classified
 * once, in azure/errors.ts).
 */
export type { StepResult } from '../kit/step-result';

let registry: ForwardRegistry | undefined;
export function forwardRegistry(): ForwardRegistry {
  registry ??= ForwardRegistry.fromEnv(process.env);
  return registry;
}

let connections: ConnectionStore | undefined;
export function connectionStore(): ConnectionStore {
  connections ??= ConnectionStore.fromEnv(process.env);
  return connections;
}

let actions: ActionLog | undefined;
export function actionLog(): ActionLog {
  actions ??= ActionLog.fromEnv(process.env);
  return actions;
}

export function clients(): AzureClients {
  return azureClients(process.env);
}

export interface ForwardContext {
  record: ForwardRecord;
  placement: HubPlacement;
}

export class MissingSettingsError extends Error {}

export async function forwardContext(name: string): Promise<ForwardContext | undefined> {
  const record = await forwardRegistry().get(name);
  if (!record) return undefined;
  const p = hubPlacement(process.env, record.spec.placement ?? {});
  if (!p.ok) throw new MissingSettingsError(`app settings missing: ${p.missing.join(', ')}`);
  return { record, placement: p.placement };
}

export function sshKey(): string | undefined {
  return nodeSshKey(process.env);
}

/** Runs an Azure step; a failure becomes `retry` or `terminal` per the classification table. */
export async function step<T extends object>(run: () => Promise<StepResult<T>>, label?: StepLabel): Promise<StepResult<T>> {
  const started = Date.now();
  const { result, requests } = await countRequests(async (): Promise<StepResult<T>> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof MissingSettingsError) return { outcome: 'terminal', code: 'MissingAppSettings', message: err.message };
      const c = classify(err);
      if (c.kind === 'retryable') return { outcome: 'retry', code: c.code, message: c.message, ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}), ...(c.retryForMs !== undefined ? { retryForMs: c.retryForMs } : {}) };
      return { outcome: 'terminal', code: c.code, message: c.message };
    }
  });
  if (label) logStep(label, result, requests, Date.now() - started);
  return result;
}

/** What a structured step line names: the activity, the forward and the orchestration instance. */
export interface StepLabel {
  activity: string;
  forward: string;
  orchestrationId?: string;
}

/**
 * One structured event per labelled step (what a log query or an alert keys on): activity,
 * forward, orchestration id, outcome (with the ARM code of a failure), ARM reads and writes, ms.
 * A JSON line locally, an OpenTelemetry record with these fields as attributes on Azure
 * (kit/structured-log.ts). No secrets: names, ids, counts and ARM error codes only.
 */
export function stepLine(label: StepLabel, result: StepResult, requests: RequestCount, ms: number): EventFields {
  return {
    event: 'plf.step',
    activity: label.activity,
    forward: label.forward,
    ...(label.orchestrationId ? { orchestrationId: label.orchestrationId } : {}),
    outcome: result.outcome,
    ...(result.outcome === 'retry' || result.outcome === 'terminal' ? { code: result.code } : {}),
    armReads: requests.reads,
    armWrites: requests.writes,
    ms,
  };
}

function logStep(label: StepLabel, result: StepResult, requests: RequestCount, ms: number): void {
  logEvent(stepLine(label, result, requests, ms), { level: result.outcome === 'terminal' ? 'warn' : 'info' });
}
