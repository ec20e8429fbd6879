import type { ArmContext, ArmResponse } from './types';

/**
 * A POST action run as a long-running operation (reimage, deleteInstances, start, stop...):
 * 202 with Azure-AsyncOperation + Location, `run` executes when the operation completes (it may
 * throw an ArmError to fail it), and Microsoft.Resources.ResourceActionSuccess is published for
 * `resourceId` with operationName `{resourceType}/{action}/action`. `run`'s return value is the
 * operation result (served at the Location URL; undefined = 204).
 */
export function longRunningAction(
  ctx: ArmContext,
  spec: { resourceId: string; resourceType: string; action: string; location?: string; run: () => unknown },
): ArmResponse {
  const { emu, req } = ctx;
  const op = emu.lro.begin({
    subscriptionId: req.path.subscriptionId,
    namespace: spec.resourceType.split('/')[0],
    location: spec.location ?? 'westeurope',
    resourceId: spec.resourceId,
    failWith: req.failLro,
    onSucceeded: () => {
      const result = spec.run();
      emu.events.publishResource({
        kind: 'action',
        action: spec.action,
        resourceId: spec.resourceId,
        resourceType: spec.resourceType,
        subscriptionId: req.path.subscriptionId,
        tenantId: emu.options.tenantId,
      });
      return result;
    },
  });
  return emu.lro.accepted(op, { baseUrl: req.baseUrl, apiVersion: req.apiVersion, method: 'POST' }, 202);
}
