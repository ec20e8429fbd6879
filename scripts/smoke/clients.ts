import { ComputeManagementClient } from '@azure/arm-compute';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { DefaultAzureCredential, type AccessToken, type TokenCredential } from '@azure/identity';

/**
 * The Azure SDK clients the smoke acts with as the person running it (a consumer creating an
 * endpoint, an operator powering a node off, someone checking nothing is left), per subscription.
 * On Azure: DefaultAzureCredential (`az login`, environment, managed identity: whoever runs it).
 * Locally: the same SDK pointed at the emulator, its CA trusted through `tlsOptions`, with a token
 * of its own (the emulator treats any token but the app's as the topology's owner, AZURE-RULES
 * AUTH-1), as test/emulator/helpers/emulator.ts does.
 */
export interface SmokeClients {
  network(subscriptionId: string): NetworkManagementClient;
  compute(subscriptionId: string): ComputeManagementClient;
  privateDns(subscriptionId: string): PrivateDnsManagementClient;
  containers(subscriptionId: string): ContainerInstanceManagementClient;
  /** How often a long-running operation is polled (ms): short on the emulator, the SDK's default (Retry-After) on Azure. */
  lroPollMs?: number;
}

class StaticToken implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: 'plf-smoke', expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

function build(credential: TokenCredential, options: Record<string, unknown>, lroPollMs?: number): SmokeClients {
  const per = <T>(make: (sub: string) => T) => {
    const m = new Map<string, T>();
    return (sub: string) => m.get(sub) ?? (m.set(sub, make(sub)), m.get(sub)!);
  };
  return {
    network: per((sub) => new NetworkManagementClient(credential, sub, options)),
    compute: per((sub) => new ComputeManagementClient(credential, sub, options)),
    privateDns: per((sub) => new PrivateDnsManagementClient(credential, sub, options)),
    containers: per((sub) => new ContainerInstanceManagementClient(credential, sub, options)),
    ...(lroPollMs ? { lroPollMs } : {}),
  };
}

export function azureClients(): SmokeClients {
  return build(new DefaultAzureCredential(), {});
}

export function emulatorClients(endpoint: string, caPem: string): SmokeClients {
  return build(new StaticToken(), { endpoint, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: caPem } }, 300);
}
