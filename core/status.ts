/**
 * A forward's status, shown by GET /api/forwards/{name}: a phase, conditions with a reason and a
 * message (each with the time it last changed), the Azure resources and what consumers need.
 */
export type Phase = 'Provisioning' | 'Ready' | 'Updating' | 'Degraded' | 'Deleting' | 'Failed';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface NodeStatus {
  instanceId: string;
  ip?: string;
  health: string;
  latestModelApplied?: boolean;
}

export interface ForwardStatus {
  phase: Phase;
  observedGeneration: number;
  conditions: Condition[];
  resources: { loadBalancerId?: string; scaleSetId?: string; privateLinkServiceId?: string };
  privateLinkServiceAlias?: string;
  frontendIp?: string;
  nodes: NodeStatus[];
  error?: { code: string; message: string };
}

export function emptyStatus(): ForwardStatus {
  return { phase: 'Provisioning', observedGeneration: 0, conditions: [], resources: {}, nodes: [] };
}

/** Sets a condition; its transition time changes only when its status does. */
export function setCondition(conditions: readonly Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = existing && existing.status === next.status ? existing.lastTransitionTime : now;
  const updated: Condition = { ...next, lastTransitionTime };
  return existing ? conditions.map((c) => (c.type === next.type ? updated : c)) : [...conditions, updated];
}
