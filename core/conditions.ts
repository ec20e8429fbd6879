/**
 * Every condition type a forward's status carries and every reason each one gives, as constants
 * (pure). Producers name them through these objects, readers compare with them: nothing derives a
 * reason from a message. A reason that is not in these lists is an Azure error code carried as it
 * is (a reconcile or connections pass that failed on ARM: azure/errors.ts classifies it), typed
 * `ArmCode` so it cannot be mistaken for one of ours.
 *
 * Who writes which type (core/status.ts assembleStatus merges the sections):
 *   reconcile loop    Ready, Synced
 *   connections flow  ConnectionsReconciled, DnsRecordsReady
 *   health sweep      NodesHealthy, TargetsReachable, RecycleSuspended, NatPortsAvailable
 *   probes            Reachable
 */
export const ConditionTypes = {
  Ready: 'Ready',
  /** Whether the last reconcile pass made Azure match the spec (drift repair included). */
  Synced: 'Synced',
  ConnectionsReconciled: 'ConnectionsReconciled',
  DnsRecordsReady: 'DnsRecordsReady',
  NodesHealthy: 'NodesHealthy',
  TargetsReachable: 'TargetsReachable',
  RecycleSuspended: 'RecycleSuspended',
  NatPortsAvailable: 'NatPortsAvailable',
  Reachable: 'Reachable',
} as const;
export type ConditionType = (typeof ConditionTypes)[keyof typeof ConditionTypes];

/** The reasons of each condition type (an Azure error code aside, see ArmCode). */
export const Reasons = {
  Ready: { Reconciled: 'Reconciled', Reconciling: 'Reconciling', Deleting: 'Deleting', DeleteFailed: 'DeleteFailed' },
  Synced: { InSync: 'InSync' },
  ConnectionsReconciled: { Reconciled: 'Reconciled', LimitReached: 'LimitReached', DisallowedKept: 'DisallowedKept' },
  DnsRecordsReady: { NotConfigured: 'NotConfigured', RecordsWritten: 'RecordsWritten', Conflict: 'Conflict', NoLinkedZone: 'NoLinkedZone', EndpointUnreadable: 'EndpointUnreadable' },
  NodesHealthy: {
    NoNodes: 'NoNodes',
    NoMetricsYet: 'NoMetricsYet',
    MetricsUnavailable: 'MetricsUnavailable',
    AllHealthy: 'AllHealthy',
    UnhealthyNodes: 'UnhealthyNodes',
    Recycling: 'Recycling',
    // A broken node not recycled now, and why (core/health.ts Hold).
    TargetOutage: 'TargetOutage',
    SingleNodeNoEvidence: 'SingleNodeNoEvidence',
    GracePeriod: 'GracePeriod',
    RecycleRunning: 'RecycleRunning',
    ReconcileRolling: 'ReconcileRolling',
    MinInService: 'MinInService',
    Suspended: 'Suspended',
    NoHealthyPeer: 'NoHealthyPeer',
  },
  TargetsReachable: { ProbesPass: 'ProbesPass', TargetOutage: 'TargetOutage', SingleNode: 'SingleNode', NoMetricsYet: 'NoMetricsYet' },
  RecycleSuspended: { TooManyRecycles: 'TooManyRecycles', NotSuspended: 'NotSuspended' },
  NatPortsAvailable: { MetricsUnavailable: 'MetricsUnavailable', BelowThreshold: 'BelowThreshold', NatIpAdded: 'NatIpAdded', Cooldown: 'Cooldown', NatIpPending: 'NatIpPending', MaxNatIps: 'MaxNatIps' },
  Reachable: {
    ProbesPassing: 'ProbesPassing',
    Failing: 'Failing',
    NoRuns: 'NoRuns',
    DnsFailed: 'DnsFailed',
    ConnectFailed: 'ConnectFailed',
    InfrastructureFailed: 'InfrastructureFailed',
    DeadlineExceeded: 'DeadlineExceeded',
    ProbeFailed: 'ProbeFailed',
    // A probe that cannot run as configured (core/probes.ts CONFIG_CODES).
    SubnetNotDelegated: 'SubnetNotDelegated',
    SubnetNotFound: 'SubnetNotFound',
    NoEndpoint: 'NoEndpoint',
    InvalidTarget: 'InvalidTarget',
  },
} as const satisfies Record<ConditionType, Record<string, string>>;

/** The reasons of one condition type. */
export type ReasonOf<T extends ConditionType> = (typeof Reasons)[T][keyof (typeof Reasons)[T]];
export type Reason = { [T in ConditionType]: ReasonOf<T> }[ConditionType];

/** An Azure error code used as a reason (ARM's `error.code`, or the product's classification of a failure). */
export type ArmCode = string & { readonly __armCode: true };
export const armCode = (code: string): ArmCode => code as ArmCode;

/**
 * Reasons of an Unknown that only says "not yet": nothing has had its first chance to run
 * (a probe before its first run, a node before its first published metric point).
 */
export const NOT_YET_REASONS: ReadonlySet<string> = new Set<Reason>([Reasons.Reachable.NoRuns, Reasons.NodesHealthy.NoNodes, Reasons.NodesHealthy.NoMetricsYet]);

/** Condition types whose True is the bad news (every other condition is good when True). */
export const TRUE_IS_BAD: ReadonlySet<string> = new Set<ConditionType>([ConditionTypes.RecycleSuspended]);
