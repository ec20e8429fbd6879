import * as fs from 'node:fs';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { DefaultAzureCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { armTarget, type Env } from '../core/app-settings';
import { requestCountPolicy } from './request-count';

/**
 * Builds the Azure SDK clients from app settings. With PLF_ARM_ENDPOINT (the local emulator) the
 * clients talk to that endpoint over HTTPS, trusting the CA in PLF_ARM_CA_FILE through
 * `tlsOptions`, with a static bearer token; without it they talk to Azure Resource Manager with
 * DefaultAzureCredential (the app's managed identity; AZURE_CLIENT_ID selects a user-assigned one).
 * Clients are cached per subscription: one pipeline, one connection pool.
 */
export class EmulatorCredential implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: 'plf-local-emulator', expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

export interface AzureClients {
  network(subscriptionId: string): NetworkManagementClient;
  compute(subscriptionId: string): ComputeManagementClient;
  privateDns(subscriptionId: string): PrivateDnsManagementClient;
  containerInstance(subscriptionId: string): ContainerInstanceManagementClient;
}

const cache = new Map<string, AzureClients>();

export function azureClients(env: Env = process.env): AzureClients {
  const target = armTarget(env);
  const key = `${target.endpoint}|${target.caFile ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const counted = { additionalPolicies: [{ policy: requestCountPolicy, position: 'perRetry' as const }] };
  const options: Record<string, unknown> =
    target.kind === 'emulator'
      ? { ...counted, endpoint: target.endpoint, credentialScopes: ['https://management.azure.com/.default'], ...(target.caFile ? { tlsOptions: { ca: fs.readFileSync(target.caFile, 'utf8') } } : {}) }
      : counted;
  const credential: TokenCredential = target.kind === 'emulator' ? new EmulatorCredential() : new DefaultAzureCredential(env.AZURE_CLIENT_ID ? { managedIdentityClientId: env.AZURE_CLIENT_ID } : {});
  const per = <T>(make: (sub: string) => T) => {
    const m = new Map<string, T>();
    return (sub: string) => m.get(sub) ?? (m.set(sub, make(sub)), m.get(sub)!);
  };
  const clients: AzureClients = {
    network: per((sub) => new NetworkManagementClient(credential, sub, options)),
    compute: per((sub) => new ComputeManagementClient(credential, sub, options)),
    privateDns: per((sub) => new PrivateDnsManagementClient(credential, sub, options)),
    containerInstance: per((sub) => new ContainerInstanceManagementClient(credential, sub, options)),
  };
  cache.set(key, clients);
  return clients;
}
