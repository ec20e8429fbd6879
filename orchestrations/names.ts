/**
 * Durable function names (orchestrators and activities) in one place; triggers import them
 * from here (dependencies point inward: functions -> orchestrations).
 */
export const DurableNames = {
  reconcileForward: 'reconcileForward',
  loadForward: 'loadForward',
  ensureResource: 'ensureResource',
  resourceState: 'resourceState',
  removeResource: 'removeResource',
  removeServiceConnections: 'removeServiceConnections',
  listForwardNodes: 'listForwardNodes',
  upgradeForwardNode: 'upgradeForwardNode',
  writeForwardStatus: 'writeForwardStatus',
  finishReconcile: 'finishReconcile',
  removeForward: 'removeForward',
  probeRun: 'probeRun',
  probeStart: 'probeStart',
  probeObserve: 'probeObserve',
  probeDeleteGroup: 'probeDeleteGroup',
  probeFinish: 'probeFinish',
  reconcileConnections: 'reconcileConnections',
  connectionsPass: 'connectionsPass',
  connectionsFailed: 'connectionsFailed',
  removeForwardRecords: 'removeForwardRecords',
  routeResourceEvent: 'routeResourceEvent',
  findForwardOfResource: 'findForwardOfResource',
  recycleNode: 'recycleNode',
  recycleAction: 'recycleAction',
  recycleObserve: 'recycleObserve',
  scaleSetLease: 'scaleSetLease',
} as const;

/** The external event that tells a forward's orchestration its spec changed. */
export const SPEC_CHANGED_EVENT = 'specChanged';

/** The external event that wakes a forward's connections flow (a resource it cares about changed). */
export const CONNECTIONS_CHANGED_EVENT = 'connectionsChanged';

/** The external event a running recycle gets when the sweep asks again (ignored: one recycle at a time). */
export const RECYCLE_REQUESTED_EVENT = 'recycleRequested';
