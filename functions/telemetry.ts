import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import { AzureFunctionsInstrumentation } from '@azure/functions-opentelemetry-instrumentation';
import { ManagedIdentityCredential } from '@azure/identity';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { logs } from '@opentelemetry/api-logs';
import { trace } from '@opentelemetry/api';
import { telemetryTarget } from '../core/app-settings';
import { exportStructuredLogs } from '../orchestrations/kit/structured-log';

/**
 * OpenTelemetry to Application Insights, started once when the app loads and only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set: never locally, where logs stay readable lines.
 * What Microsoft documents for the Node v4 model
 * (https://learn.microsoft.com/azure/azure-functions/opentelemetry-howto, JavaScript):
 * - `@azure/monitor-opentelemetry` (`useAzureMonitor`): traces, metrics and logs to Azure
 *   Monitor, with the HTTP and Azure SDK instrumentations (every ARM call is a dependency);
 * - `@azure/functions-opentelemetry-instrumentation`: tells the host the worker sends its own
 *   telemetry (capability `WorkerOpenTelemetryEnabled`), sends `context.log` lines as log
 *   records and runs each handler in the host's trace context, so logs and ARM calls of one
 *   invocation share its operation id. It patches `@azure/functions` when that is next required,
 *   before the worker asks for the app's capabilities.
 * With the component's local auth off (infra), the exporter signs in with the user-assigned
 * identity named by APPLICATIONINSIGHTS_AUTHENTICATION_STRING (`ClientId=...;Authorization=AAD`).
 * Structured events (kit/structured-log.ts) then go out as log records with their fields as
 * attributes. Returns whether telemetry started.
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
  registerInstrumentations({
    tracerProvider: trace.getTracerProvider(),
    loggerProvider: logs.getLoggerProvider(),
    instrumentations: [new AzureFunctionsInstrumentation()],
  });
  exportStructuredLogs();
  return true;
}

startTelemetry();
