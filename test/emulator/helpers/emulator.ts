import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { MetricsClient } from '@azure/monitor-query-metrics';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../tools/emulator/server';

/**
 * Shared test helper for emulator suites: starts the emulator in-process on a random port with
 * zero LRO delay, and builds the REAL Azure SDK clients against it (endpoint + CA via
 * tlsOptions + a static bearer token, exactly how the product's client factory does it).
 */
export const IDS = {
  tenant: '00000000-0000-0000-0000-0000000000e1',
  hubSub: '00000000-0000-0000-0000-00000000a001',
  hubRg: 'rg-hub',
  hubVnet: '/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub',
  hubShared: '/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/shared',
  hubJump: '/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/jump',
  consumerSub: '00000000-0000-0000-0000-00000000c001',
  spokeRg: 'rg-spoke',
  spokeVnet: '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke',
  spokeLinked: '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/linked',
  spokeJump: '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump',
  consumer2Sub: '00000000-0000-0000-0000-00000000c002',
  spoke2Rg: 'rg-spoke2',
  spoke2Vnet: '/subscriptions/00000000-0000-0000-0000-00000000c002/resourceGroups/rg-spoke2/providers/Microsoft.Network/virtualNetworks/vnet-spoke2',
  spoke2Linked: '/subscriptions/00000000-0000-0000-0000-00000000c002/resourceGroups/rg-spoke2/providers/Microsoft.Network/virtualNetworks/vnet-spoke2/subnets/linked',
  spoke2Jump: '/subscriptions/00000000-0000-0000-0000-00000000c002/resourceGroups/rg-spoke2/providers/Microsoft.Network/virtualNetworks/vnet-spoke2/subnets/jump',
  zone: 'internal.net',
  zoneId: '/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network/privateDnsZones/internal.net',
  location: 'westeurope',
} as const;

/**
 * Poller option for every long-running operation a test runs through an SDK client, as the last
 * argument (or spread into the options object it already passes). With `lroDelayMs` 0 the emulator
 * answers `Retry-After: 0`, and its first status poll of every operation answers InProgress (rule
 * LRO-1, tools/emulator/arm/lro.ts); @azure/core-lro 3.3 reads a 0 Retry-After as no hint
 * (`if (intervalInMs) setDelay(...)` in poller/operation.js) and waits its 2-second default
 * before the next poll. So without this each operation costs 2 s of wall time and proves nothing
 * more: the poll still happens, 10 ms later.
 */
export const POLL = { updateIntervalInMs: 10 } as const;

export class StaticTokenCredential implements TokenCredential {
  calls = 0;
  async getToken(): Promise<AccessToken> {
    this.calls++;
    return { token: 'emulator-test-token', expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

export interface TestEmulator {
  emu: RunningEmulator;
  credential: StaticTokenCredential;
  /** Options every SDK client needs to talk to the emulator. */
  clientOptions: { endpoint: string; credentialScopes: string[]; tlsOptions: { ca: string } };
  /** `extra` merges into the client options (e.g. `{ retryOptions: { retryDelayInMs: 10 } }`). */
  network(subscriptionId?: string, extra?: object): NetworkManagementClient;
  privateDns(subscriptionId?: string, extra?: object): PrivateDnsManagementClient;
  compute(subscriptionId?: string, extra?: object): ComputeManagementClient;
  containers(subscriptionId?: string, extra?: object): ContainerInstanceManagementClient;
  /** Metrics batch client (`metrics:getBatch`) pointed at the emulator. */
  metrics(extra?: object): MetricsClient;
  /** Control API call (JSON in and out). */
  control<T = unknown>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T; headers: Record<string, string | string[] | undefined> }>;
  /** Raw ARM call with or without a bearer token (for paths no SDK method covers, e.g. auth checks). */
  raw<T = unknown>(method: string, p: string, opts?: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: T; headers: Record<string, string | string[] | undefined> }>;
  stop(): Promise<void>;
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-emu-'));
  const emu = await startEmulator({ port: 0, lroDelayMs: 0, caFile: path.join(dir, 'ca.pem'), eventGrid: { retryDelaysMs: [10, 20, 40] }, ...options });
  const credential = new StaticTokenCredential();
  const clientOptions = { endpoint: emu.url, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: emu.caPem } };
  const request = <T>(method: string, p: string, body: unknown, headers: Record<string, string>, rawBody?: string) =>
    new Promise<{ status: number; body: T; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      const text = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      const req = https.request(
        `${emu.url}${p}`,
        { method, ca: emu.caPem, headers: { ...(text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}), ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const s = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: (s ? JSON.parse(s) : undefined) as T, headers: res.headers });
          });
        },
      );
      req.on('error', reject);
      if (text) req.write(text);
      req.end();
    });
  return {
    emu,
    credential,
    clientOptions,
    network: (sub = IDS.hubSub, extra = {}) => new NetworkManagementClient(credential, sub, { ...clientOptions, ...extra }),
    privateDns: (sub = IDS.hubSub, extra = {}) => new PrivateDnsManagementClient(credential, sub, { ...clientOptions, ...extra }),
    compute: (sub = IDS.hubSub, extra = {}) => new ComputeManagementClient(credential, sub, { ...clientOptions, ...extra }),
    containers: (sub = IDS.hubSub, extra = {}) => new ContainerInstanceManagementClient(credential, sub, { ...clientOptions, ...extra }),
    metrics: (extra = {}) => new MetricsClient(emu.url, credential, { tlsOptions: { ca: emu.caPem }, ...extra }),
    control: (method, p, body) => request(method, `/_emulator${p}`, body, {}),
    raw: (method, p, opts = {}) => {
      const token = opts.token === undefined ? 'emulator-test-token' : opts.token;
      return request(method, p, opts.body, { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(opts.headers ?? {}) }, opts.rawBody);
    },
    async stop() {
      await emu.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
