import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import { ManagedIdentityCredential } from '@azure/identity';
import { telemetryTarget } from '../core/app-settings';

/**
 * OpenTelemetry to Application Insights (`@azure/monitor-opentelemetry`), started once when the
 * app loads and only when APPLICATIONINSIGHTS_CONNECTION_STRING is set: never locally, where logs
 * stay readable lines. With the component's local auth off (infra), the exporter signs in with
 * the user-assigned identity named by APPLICATIONINSIGHTS_AUTHENTICATION_STRING.
 */
export function startTelemetry(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const target = telemetryTarget(env);
  if (!target) return false;
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: target.connectionString,
      ...(target.aad ? { credential: target.clientId ? new ManagedIdentityCredential({ clientId: target.clientId }) : new ManagedIdentityCredential() } : {}),
    },
  });
  return true;
}

startTelemetry();
