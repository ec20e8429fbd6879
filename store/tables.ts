import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { storageTarget, type Env } from '../core/app-settings';

/**
 * Every table client of the product is built here from the one storage setting resolution the
 * Functions host uses, so the registry, the connection rows and the action log never disagree on
 * where they live or how they sign in:
 *
 * - `AzureWebJobsStorage` = a connection string, or `UseDevelopmentStorage=true` (Azurite on its
 *   default port);
 * - identity (what infra/main.bicep writes): `AzureWebJobsStorage__tableServiceUri` (or
 *   `AzureWebJobsStorage__accountName`, which means `https://{account}.table.core.windows.net`)
 *   with a token credential: `__credential=managedidentity` takes the managed identity (the
 *   user-assigned one when `__clientId` names it), anything else `DefaultAzureCredential`
 *   (with `__clientId` as its managed identity client id).
 *
 * `access` lets a caller supply the credential and a CA to trust (tests against Azurite in OAuth
 * mode); the deployed app never passes it.
 */
const DEVELOPMENT =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

export interface StorageAccess {
  /** Used instead of the credential the settings name (identity settings only). */
  credential?: TokenCredential;
  /** PEM of a CA to trust for the table endpoint (a local Azurite with a generated certificate). */
  tlsCa?: string;
}

/**
 * The table client for `table` under these settings. Without `access`, one client per table and
 * settings for the life of the process (and one credential per identity), so a request reuses
 * the pipeline, its connections and its cached token instead of signing in and creating the
 * table again; throws (before any request) when the settings name no storage.
 */
export function tableClient(env: Env, table: string, access: StorageAccess = {}): TableClient {
  if (access.credential || access.tlsCa) return buildTableClient(env, table, access);
  const key = JSON.stringify([table, ...STORAGE_SETTINGS.map((n) => env[n] ?? null)]);
  let client = clients.get(key);
  if (!client) {
    client = buildTableClient(env, table, {});
    clients.set(key, client);
  }
  return client;
}

const STORAGE_SETTINGS = ['AzureWebJobsStorage', 'AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId'] as const;
const clients = new Map<string, TableClient>();
const credentials = new Map<string, TokenCredential>();

function buildTableClient(env: Env, table: string, access: StorageAccess): TableClient {
  const target = storageTarget(env);
  const options: TableServiceClientOptions = access.tlsCa ? { tlsOptions: { ca: access.tlsCa } } : {};
  if (target.kind === 'identity') {
    if (!target.tableEndpoint) throw new Error('AzureWebJobsStorage__tableServiceUri is not a URL');
    return new TableClient(target.tableEndpoint.replace(/\/+$/, ''), table, access.credential ?? sharedCredential(env), options);
  }
  const cs = env.AzureWebJobsStorage?.trim();
  if (!cs) throw new Error('AzureWebJobsStorage is not set (neither a connection string nor AzureWebJobsStorage__tableServiceUri / __accountName)');
  return TableClient.fromConnectionString(target.kind === 'development' ? DEVELOPMENT : cs, table, { ...options, allowInsecureConnection: true });
}

function sharedCredential(env: Env): TokenCredential {
  const key = `${env.AzureWebJobsStorage__credential ?? ''}|${env.AzureWebJobsStorage__clientId ?? ''}`;
  let credential = credentials.get(key);
  if (!credential) {
    credential = storageCredential(env);
    credentials.set(key, credential);
  }
  return credential;
}

/** The token credential the identity settings name (`__credential`, `__clientId`). */
export function storageCredential(env: Env): TokenCredential {
  const clientId = env.AzureWebJobsStorage__clientId?.trim() || undefined;
  if (env.AzureWebJobsStorage__credential?.trim().toLowerCase() === 'managedidentity') {
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

const readiness = new WeakMap<TableClient, () => Promise<void>>();

/**
 * Creates the table once per client (concurrent callers and every store built on the same
 * client share the attempt; a failure is retried next time).
 */
export function tableReady(client: TableClient): () => Promise<void> {
  const known = readiness.get(client);
  if (known) return known;
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= client.createTable().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  readiness.set(client, ensure);
  return ensure;
}

/** Table keys may not hold / \\ # ? or control characters: such characters are escaped. */
export function safeKey(key: string): string {
  return [...key].map((c) => (/[/\\#?%]/.test(c) || c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) ? `%${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('');
}
