import { assertValidView, type DataPlaneView } from './view';

/**
 * /etc/plf/forward.json — the forwarding manifest, schema `plf.forward/v1`. It is the single
 * description of what the node forwards; the emulator reads it (from the cloud-init in the scale
 * set's customData) to simulate a node. /etc/plf/forward.env carries the same facts in a form a
 * shell can source, for the agent.
 */
export const MANIFEST_SCHEMA = 'plf.forward/v1';
export const MANIFEST_PATH = '/etc/plf/forward.json';
export const ENV_PATH = '/etc/plf/forward.env';

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

/** Only validated numbers and IPv4 addresses go in; values need no quoting beyond double quotes. */
export function renderEnv(view: DataPlaneView): string {
  assertValidView(view);
  return `# plf forwarder agent settings (generated from ${MANIFEST_PATH})
PLF_FORWARD="${view.forward}"
PLF_PORTS="${view.ports.map((p) => `${p.port}:${p.targetPort}`).join(' ')}"
PLF_TARGETS="${view.targets.join(' ')}"
PLF_INTERVAL="${view.agent.intervalSeconds}"
PLF_CONNECT_TIMEOUT="${view.agent.connectTimeoutSeconds}"
`;
}
