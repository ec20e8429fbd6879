import { TableClient } from '@azure/data-tables';
import type { Env } from '../core/app-settings';

/**
 * Every table client of the product is built here from the one storage setting the Functions
 * host uses (`AzureWebJobsStorage`: a connection string, or `UseDevelopmentStorage=true` for
 * Azurite on its default port), so the registry, the connection rows and the action log never
 * disagree on where they live.
 */
const DEVELOPMENT =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

export function tableClient(env: Env, table: string): TableClient {
  const cs = env.AzureWebJobsStorage;
  if (!cs) throw new Error('AzureWebJobsStorage is not set');
  return TableClient.fromConnectionString(/UseDevelopmentStorage=true/i.test(cs) ? DEVELOPMENT : cs, table, { allowInsecureConnection: true });
}

/** Creates the table once per client (concurrent callers share the attempt; a failure is retried next time). */
export function tableReady(client: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= client.createTable().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
}

/** Table keys may not hold / \\ # ? or control characters: such characters are escaped. */
export function safeKey(key: string): string {
  return [...key].map((c) => (/[/\\#?%]/.test(c) || c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) ? `%${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('');
}
