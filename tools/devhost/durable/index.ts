import type * as http from 'node:http';
import type { DurableEngineHost, FunctionInvoker } from '../contracts';
import type { Logger } from '../log';
import { DurableEngine } from './engine';
import { handleManagementRequest } from './http-api';
import { MemoryStore, type EngineStore } from './store';
import { TableStore } from './table-store';

export interface DurableEngineOptions {
  invoker: FunctionInvoker;
  store: 'memory' | { connectionString: string };
  hubName?: string;
  hostJson?: { extensions?: { durableTask?: { hubName?: string; maxConcurrentActivityFunctions?: number; maxConcurrentOrchestratorFunctions?: number } } };
  log: Logger;
}

export interface DevhostDurableEngine extends DurableEngineHost {
  readonly engine: DurableEngine;
  readonly hubName: string;
}

/** The durable engine devhost mounts: store from options, limits and hub name from host.json. */
export function createDurableEngine(options: DurableEngineOptions): DevhostDurableEngine {
  const durable = options.hostJson?.extensions?.durableTask ?? {};
  const hubName = options.hubName ?? durable.hubName ?? 'TestHubName';
  const store: EngineStore = options.store === 'memory' ? new MemoryStore() : new TableStore(options.store.connectionString, hubName);
  const engine = new DurableEngine({
    invoker: options.invoker,
    store,
    log: options.log,
    maxConcurrentActivities: durable.maxConcurrentActivityFunctions ?? 10,
    maxConcurrentOrchestrators: durable.maxConcurrentOrchestratorFunctions ?? 10,
  });
  let baseUrl = 'http://127.0.0.1:7071';
  const links = (instanceId: string) => managementLinks(baseUrl, hubName, instanceId);
  return {
    engine,
    hubName,
    start: () => engine.start(),
    stop: () => engine.stop(),
    handleHttp: (req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Buffer) => handleManagementRequest(engine, links, req, res, path, body),
    clientBinding(url: string) {
      baseUrl = url;
      const base = `${url}/runtime/webhooks/durabletask`;
      const q = `taskHub=${hubName}&connection=Storage`;
      return {
        taskHubName: hubName,
        creationUrls: {
          createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${q}`,
          createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${q}`,
        },
        managementUrls: managementLinks(url, hubName, 'INSTANCEID'),
        baseUrl: base,
        requiredQueryStringParameters: q,
        rpcBaseUrl: `${base}/`,
        httpBaseUrl: base,
      };
    },
  };
}

function managementLinks(url: string, hubName: string, id: string): Record<string, string> {
  const base = `${url}/runtime/webhooks/durabletask/instances/${id}`;
  const q = `taskHub=${hubName}&connection=Storage`;
  return {
    id,
    statusQueryGetUri: `${base}?${q}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${base}/terminate?reason={text}&${q}`,
    rewindPostUri: `${base}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${base}?${q}`,
    restartPostUri: `${base}/restart?${q}`,
    suspendPostUri: `${base}/suspend?reason={text}&${q}`,
    resumePostUri: `${base}/resume?reason={text}&${q}`,
  };
}
