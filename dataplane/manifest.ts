import { assertValidView, type DataPlaneView } from './view';

/**
 * /etc/plf/forward.json — the forwarding manifest, schema `plf.forward/v1`. It is the single
 * description of what the node forwards; the emulator reads it (from the cloud-init in the scale
 * set's customData) to simulate a node, and the node agent re-reads it every interval.
 */
export const MANIFEST_SCHEMA = 'plf.forward/v1';
export const MANIFEST_PATH = '/etc/plf/forward.json';

export interface ForwardManifest {
  schema: typeof MANIFEST_SCHEMA;
  forward: string;
  ports: { port: number; targetPort: number }[];
  targets: string[];
  allowedSources: string[];
  sshSources?: string[];
  healthPort: number;
  agent: { intervalSeconds: number; connectTimeoutSeconds: number };
}

export function manifestOf(view: DataPlaneView): ForwardManifest {
  assertValidView(view);
  return {
    schema: MANIFEST_SCHEMA,
    forward: view.forward,
    ports: view.ports.map((p) => ({ port: p.port, targetPort: p.targetPort })),
    targets: [...view.targets],
    allowedSources: [...view.allowedSources],
    ...(view.sshSources ? { sshSources: [...view.sshSources] } : {}),
    healthPort: view.healthPort,
    agent: { intervalSeconds: view.agent.intervalSeconds, connectTimeoutSeconds: view.agent.connectTimeoutSeconds },
  };
}

export function renderManifest(view: DataPlaneView): string {
  return `${JSON.stringify(manifestOf(view), null, 2)}\n`;
}
