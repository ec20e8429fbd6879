/**
 * Every name and tag derived from a forward's name, in one place. Forward names are validated by
 * core/forward-spec (forwardNameProblems) so that each derived name is valid for its Azure type.
 */
export const TAG_FORWARD = 'plf-forward';
export const TAG_MANAGED_BY = 'managed-by';
export const MANAGED_BY = 'plf';

export interface ForwardNames {
  loadBalancer: string;
  frontend: string;
  backendPool: string;
  scaleSet: string;
  /** VMSS computer name prefix (Linux: up to 58 characters). */
  computerNamePrefix: string;
  privateLinkService: string;
  /** Singleton orchestration instance id of the forward's reconcile loop. */
  orchestrationId: string;
  /** Singleton orchestration instance id of the forward's connections flow (approvals, DNS). */
  connectionsOrchestrationId: string;
  /** Singleton orchestration instance id of the forward's node recycle (health watch). */
  recycleOrchestrationId: string;
}

export function forwardNames(forward: string): ForwardNames {
  return {
    loadBalancer: `plf-${forward}-lb`,
    frontend: 'frontend',
    backendPool: 'nodes',
    scaleSet: `plf-${forward}-vmss`,
    computerNamePrefix: `plf-${forward}`.slice(0, 40),
    privateLinkService: `plf-${forward}-pls`,
    orchestrationId: `forward:${forward}`,
    connectionsOrchestrationId: `connections:${forward}`,
    recycleOrchestrationId: `recycle:${forward}`,
  };
}

export function probeName(port: number): string {
  return `tcp-${port}`;
}

export function ruleName(port: number): string {
  return `tcp-${port}`;
}

export function forwardTags(forward: string): Record<string, string> {
  return { [TAG_FORWARD]: forward, [TAG_MANAGED_BY]: MANAGED_BY };
}

/** Whether a resource's tags say the forward owns it (we delete only what this says is ours). */
export function isOwnedBy(tags: Record<string, string> | undefined, forward: string): boolean {
  return tags?.[TAG_FORWARD] === forward && tags?.[TAG_MANAGED_BY] === MANAGED_BY;
}

/** The forward a private link service name belongs to (`plf-{forward}-pls`), or undefined. */
export function forwardOfPrivateLinkService(plsName: string): string | undefined {
  return /^plf-([a-z][a-z0-9-]*)-pls$/.exec(plsName.toLowerCase())?.[1];
}
