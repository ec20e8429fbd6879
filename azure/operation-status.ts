import { createDefaultHttpClient, createPipelineRequest, type Pipeline } from '@azure/core-rest-pipeline';
import type { AzureClients } from './client-factory';

/**
 * A write's long-running operation, kept as a resume token so the orchestration can tell why a
 * resource ended Failed. ARM names the reason only on the operation: its Azure-AsyncOperation URL
 * answers `{status: "Failed", error: {code, message}}` (Azure/azure-resource-manager-rpc,
 * v1.0/async-api-reference.md); the resource itself only shows provisioningState Failed.
 */
export type OperationView = { status: 'InProgress' } | { status: 'Succeeded' } | { status: 'Failed'; code: string; message: string };

/**
 * The status URL of a started operation, from the SDK poller's serialized state
 * (`{"state": {"config": {"operationLocation": ...}}}`; core-lro v2 `toString()`, v3 `serialize()`).
 * Undefined when the write answered synchronously (no operation to follow).
 */
export async function operationUrlOf(poller: unknown): Promise<string | undefined> {
  const p = poller as { serialize?: () => Promise<string>; toString?: () => string } | undefined;
  try {
    const text = typeof p?.serialize === 'function' ? await p.serialize() : p?.toString?.();
    const url = (JSON.parse(text ?? '') as { state?: { config?: { operationLocation?: unknown } } }).state?.config?.operationLocation;
    return typeof url === 'string' && url.startsWith('https://') ? url : undefined;
  } catch {
    return undefined;
  }
}

const httpClient = createDefaultHttpClient();

/**
 * One GET of the operation's status URL through an SDK client of its subscription (Compute's for
 * Compute operations, Network's for any other: same credential, TLS and retry policies). Errors (4xx/5xx, network) are thrown as the pipeline's
 * RestError for the caller's classification. Canceled counts as Failed.
 */
export async function readOperation(clients: AzureClients, url: string): Promise<OperationView> {
  const m = /\/subscriptions\/([^/]+)\/providers\/([^/]+)\//i.exec(new URL(url).pathname);
  const sub = m?.[1] ?? '';
  const pipeline: Pipeline = m?.[2].toLowerCase() === 'microsoft.compute' ? clients.compute(sub).pipeline : clients.network(sub).pipeline;
  const res = await pipeline.sendRequest(httpClient, createPipelineRequest({ url, method: 'GET' }));
  if (res.status >= 400) throw Object.assign(new Error(`GET ${url} answered ${res.status}: ${res.bodyAsText ?? ''}`), { statusCode: res.status });
  const body = JSON.parse(res.bodyAsText ?? '{}') as { status?: string; error?: { code?: string; message?: string } };
  const status = (body.status ?? '').toLowerCase();
  if (status === 'succeeded') return { status: 'Succeeded' };
  if (status === 'failed' || status === 'canceled') {
    return { status: 'Failed', code: body.error?.code ?? (status === 'canceled' ? 'Canceled' : 'OperationFailed'), message: body.error?.message ?? `the operation ended ${body.status}` };
  }
  return { status: 'InProgress' };
}
