/**
 * Reads the app settings the product depends on from an environment record.
 * Pure: the caller passes `process.env` (or a test table), nothing here touches I/O.
 * Nothing returned may carry a secret: connection strings are reduced to their endpoints.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where Azure Resource Manager calls go. */
export interface ArmTarget {
  /** `emulator` when PLF_ARM_ENDPOINT is set (the local stack), else `azure`. */
  kind: 'azure' | 'emulator';
  endpoint: string;
  /** Path of the CA bundle used to trust the emulator's certificate, if any. */
  caFile?: string;
}

/** Which table storage the registry and the durable history use, without credentials. */
export interface StorageTarget {
  kind: 'development' | 'connection-string' | 'identity' | 'unset';
  tableEndpoint?: string;
  accountName?: string;
}

export const AZURE_ARM_ENDPOINT = 'https://management.azure.com';
/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEVELOPMENT_ACCOUNT = 'devstoreaccount1';
export const DEVELOPMENT_TABLE_ENDPOINT = 'http://127.0.0.1:10002/devstoreaccount1';

export function armTarget(env: Env): ArmTarget {
  const endpoint = env.PLF_ARM_ENDPOINT?.trim();
  if (!endpoint) return { kind: 'azure', endpoint: AZURE_ARM_ENDPOINT };
  const caFile = env.PLF_ARM_CA_FILE?.trim();
  return { kind: 'emulator', endpoint: endpoint.replace(/\/+$/, ''), ...(caFile ? { caFile } : {}) };
}

/** Parses `AzureWebJobsStorage` (or its identity-based `__tableServiceUri` form) without echoing keys. */
export function storageTarget(env: Env): StorageTarget {
  const identityUri = env.AzureWebJobsStorage__tableServiceUri?.trim();
  if (identityUri) return { kind: 'identity', tableEndpoint: identityUri, accountName: accountFromUrl(identityUri) };
  const raw = env.AzureWebJobsStorage?.trim();
  if (!raw) return { kind: 'unset' };
  const parts = parseConnectionString(raw);
  if (parts.usedevelopmentstorage?.toLowerCase() === 'true') {
    return { kind: 'development', tableEndpoint: DEVELOPMENT_TABLE_ENDPOINT, accountName: DEVELOPMENT_ACCOUNT };
  }
  const accountName = parts.accountname;
  const tableEndpoint =
    parts.tableendpoint ??
    (accountName ? `${parts.defaultendpointsprotocol ?? 'https'}://${accountName}.table.${parts.endpointsuffix ?? 'core.windows.net'}` : undefined);
  return { kind: 'connection-string', ...(tableEndpoint ? { tableEndpoint } : {}), ...(accountName ? { accountName } : {}) };
}

/** `Key=Value;Key=Value` with lower-cased keys; values may contain `=` (base64 keys do). */
export function parseConnectionString(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const segment of raw.split(';')) {
    const at = segment.indexOf('=');
    if (at <= 0) continue;
    out[segment.slice(0, at).trim().toLowerCase()] = segment.slice(at + 1).trim();
  }
  return out;
}

function accountFromUrl(url: string): string | undefined {
  try {
    return new URL(url).hostname.split('.')[0];
  } catch {
    return undefined;
  }
}
