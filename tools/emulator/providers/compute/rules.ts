import { ArmError, type ArmErrorDetail } from '../../arm/errors';
import { isObject } from '../../arm/stored-resource';
import type { StoredResource } from '../../state/store';
import type { Json } from '../network/common';
import { orchestrationMode, profileOf } from './model';

/**
 * Rules Azure's Compute RP enforces on a scale set write that the emulator models (catalog:
 * tools/emulator/AZURE-RULES.md, "Scale sets", VMSS-n). Each answers what Azure answers, or the
 * closest documented code where Azure's exact one is undocumented (said so in the catalog).
 */

/** A problem with the property it is about (Compute puts that in the error's `target`). */
export interface TargetedProblem {
  message: string;
  target?: string;
}

/** An ARM error whose body carries `target` beside code and message, as Compute's do. */
export class TargetedArmError extends ArmError {
  constructor(status: number, code: string, message: string, readonly target?: string, details: ArmErrorDetail[] = []) {
    super(status, code, message, details);
  }

  override toBody(): { error: { code: string; message: string; details?: ArmErrorDetail[] } } {
    const body = super.toBody();
    return { error: { ...body.error, ...(this.target ? { target: this.target } : {}) } };
  }
}

/** One 400 InvalidParameter naming every problem (one problem: its target at the top, as Compute does). */
export function invalidTargeted(problems: TargetedProblem[]): ArmError {
  if (problems.length === 1) return new TargetedArmError(400, 'InvalidParameter', problems[0].message, problems[0].target);
  return new TargetedArmError(
    400,
    'InvalidParameter',
    problems.map((p) => p.message).join(' '),
    undefined,
    problems.map((p) => ({ code: 'InvalidParameter', message: p.message, ...(p.target ? { target: p.target } : {}) })),
  );
}

/**
 * VMSS-1: Linux authentication. `linuxConfiguration.disablePasswordAuthentication: true` without an
 * SSH public key is refused with this exact message (target `linuxConfiguration`); password
 * authentication left on without `adminPassword` is refused as a missing `adminPassword`.
 * Sources: azure-facts.md ("Linux scale set authentication"); terraform-provider-azurerm guards the
 * same case before calling the API.
 */
export function authenticationProblems(body: Json): TargetedProblem[] {
  const os = profileOf(body).osProfile;
  if (!isObject(os)) return [];
  const linux = isObject(os.linuxConfiguration) ? os.linuxConfiguration : undefined;
  const keys = linux && isObject(linux.ssh) && Array.isArray(linux.ssh.publicKeys) ? (linux.ssh.publicKeys as unknown[]) : [];
  const hasKey = keys.some((k) => isObject(k) && typeof k.keyData === 'string' && k.keyData.trim() !== '');
  const hasPassword = typeof os.adminPassword === 'string' && os.adminPassword !== '';
  if (linux?.disablePasswordAuthentication === true) {
    return hasKey ? [] : [{ message: 'Authentication using either SSH or by user name and password must be enabled in Linux profile.', target: 'linuxConfiguration' }];
  }
  if (!hasPassword && !hasKey) return [{ message: "Required parameter 'adminPassword' is missing (null).", target: 'adminPassword' }];
  return [];
}

/**
 * Availability zones per region (VMSS-4). Regions with three zones as Learn lists them ("Azure
 * regions with availability zone support"); a region not listed here offers none (stricter, never
 * kinder). A topology may set its own: `"compute": {"regionZones": {"westeurope": ["1","2","3"]}}`.
 */
export const DEFAULT_REGION_ZONES: Record<string, string[]> = Object.fromEntries(
  ['westeurope', 'northeurope', 'swedencentral', 'germanywestcentral', 'francecentral', 'uksouth', 'eastus', 'eastus2', 'westus2', 'westus3', 'centralus', 'southcentralus'].map((r) => [r, ['1', '2', '3']]),
);

export function zoneProblems(regionZones: Record<string, string[]>, location: string, zones: unknown): TargetedProblem[] {
  if (zones === undefined) return [];
  if (!Array.isArray(zones) || zones.some((z) => typeof z !== 'string')) return [{ message: "The 'zones' property must be a list of strings.", target: 'zones' }];
  const offered = regionZones[location.toLowerCase().replace(/\s+/g, '')] ?? [];
  const bad = (zones as string[]).filter((z) => !offered.includes(z));
  if (!bad.length) return [];
  return [{ message: `The zone(s) '${bad.join(',')}' for resource 'Microsoft.Compute/virtualMachineScaleSets' is not supported. The supported zones for location '${location}' are '${offered.join(',')}'.`, target: 'zones' }];
}

/**
 * VMSS-4: an existing scale set may gain zones, never lose one: 409 PropertyChangeNotAllowed
 * (azure-powershell#4704; terraform-provider-azurerm PR #27288 "Removing existing zones from
 * existing Virtual Machine Scale Set is currently not supported").
 */
export function refuseZoneRemoval(existing: StoredResource, zones: unknown): void {
  const before = (existing.body.zones as string[] | undefined) ?? [];
  const after = Array.isArray(zones) ? (zones as unknown[]).map(String) : [];
  const removed = before.filter((z) => !after.includes(z));
  if (removed.length) {
    throw new TargetedArmError(409, 'PropertyChangeNotAllowed', `Changing property 'zones' is not allowed: zone(s) '${removed.join(',')}' cannot be removed from Virtual Machine Scale Set '${existing.name}' (zones can only be added).`, 'zones');
  }
}

/** VMSS-5: orchestrationMode is fixed at creation (absent = Uniform). */
export function refuseOrchestrationModeChange(existing: StoredResource, body: Json): void {
  const props = isObject(body.properties) ? body.properties : {};
  const wanted = props.orchestrationMode === undefined ? orchestrationMode(existing) : props.orchestrationMode;
  if (wanted !== orchestrationMode(existing)) {
    throw new TargetedArmError(409, 'PropertyChangeNotAllowed', `Changing property 'orchestrationMode' is not allowed (Virtual Machine Scale Set '${existing.name}' is ${orchestrationMode(existing)}).`, 'orchestrationMode');
  }
}

/**
 * VMSS-5: a Flexible scale set refuses the VMSS-VM APIs (its VMs are standalone
 * Microsoft.Compute/virtualMachines): manualUpgrade, per-instance actions, the instance lists and
 * instance views. Learn "Orchestration modes" lists them as Uniform-only; the answer's wording
 * follows the one seen for the instance view (hashicorp/nomad-autoscaler#1096: "Operation
 * 'VirtualMachineScaleSets.instanceView.GET' is not allowed on Virtual Machine Scale Set"); the
 * status 409 OperationNotAllowed is Compute's usual one for a refused operation.
 */
export function refuseOnFlexible(vmss: StoredResource, operation: string): void {
  if (orchestrationMode(vmss) !== 'Flexible') return;
  throw new ArmError(409, 'OperationNotAllowed', `Operation '${operation}' is not allowed on Virtual Machine Scale Set '${vmss.name}' since it uses Flexible orchestration mode (not supported for VMSS in Flexible orchestration mode).`);
}

/**
 * VMSS-3: any write to a scale set being deleted is refused 409 OperationNotAllowed "... since it is
 * marked for deletion" (microsoft/onefuzz#511), not AnotherOperationInProgress.
 */
export function refuseWhileDeleting(existing: StoredResource | undefined, operation: string): void {
  const props = existing && isObject(existing.body.properties) ? existing.body.properties : {};
  if (String(props.provisioningState ?? '').toLowerCase() !== 'deleting') return;
  throw new ArmError(409, 'OperationNotAllowed', `Operation '${operation}' is not allowed on Virtual Machine Scale Set '${existing!.name}' since it is marked for deletion. For more information on your operations, please refer to https://aka.ms/activitylog.`);
}
