import type { StoredResource } from '../../state/store';
import { isObject } from '../../arm/stored-resource';
import { refId, type Json } from '../network/common';

/**
 * The parts of a scale set's stored model the compute provider reads: its types, internal state,
 * the primary NIC configuration, the Application Health extension and automatic repairs.
 */
export const T_VMSS = 'Microsoft.Compute/virtualMachineScaleSets';
export const T_VM = 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines';

export interface VmssInternal {
  modelVersion: number;
  customData?: string;
  nextInstanceId: number;
  uniqueId: string;
  /** setOrchestrationServiceState: AutomaticRepairs suspended by the caller. */
  repairsSuspended?: boolean;
}

export const vmssInternal = (r: StoredResource): VmssInternal => r.internal as unknown as VmssInternal;

export function profileOf(body: Json): Json {
  const p = (isObject(body.properties) ? body.properties : {}) as Json;
  return (isObject(p.virtualMachineProfile) ? p.virtualMachineProfile : {}) as Json;
}

/** `virtualMachineProfile.userData` of the model (base64), if any. */
export function modelUserData(vmss: StoredResource): string | undefined {
  const u = profileOf(vmss.body).userData;
  return typeof u === 'string' && u !== '' ? u : undefined;
}

/** `orchestrationMode` as stored (absent = Uniform, the API's default; VMSS-5). */
export function orchestrationMode(vmss: StoredResource): 'Uniform' | 'Flexible' {
  const p = (isObject(vmss.body.properties) ? vmss.body.properties : {}) as Json;
  return p.orchestrationMode === 'Flexible' ? 'Flexible' : 'Uniform';
}

/** The NIC configuration the instances get: subnet and backend pools of the primary ip config. */
export function nicConfig(body: Json): { name: string; subnetId?: string; pools: string[] } {
  const configs = ((profileOf(body).networkProfile as Json | undefined)?.networkInterfaceConfigurations as Json[] | undefined) ?? [];
  const primary = configs.find((c) => (c.properties as Json | undefined)?.primary) ?? configs[0];
  const ipc = (((primary?.properties as Json | undefined)?.ipConfigurations as Json[] | undefined) ?? [])[0];
  const ipp = (ipc?.properties ?? {}) as Json;
  const pools = ((ipp.loadBalancerBackendAddressPools as Json[] | undefined) ?? []).map((p) => refId(p)).filter((x): x is string => !!x);
  return { name: String(primary?.name ?? 'nic'), subnetId: refId(ipp.subnet), pools };
}

export interface HealthExtension {
  /** The extension's name in the model (instance views report it under this name). */
  name: string;
  type: string;
  typeHandlerVersion: string;
  protocol: string;
  port: number;
}

/** Application Health extension settings in the model, if any. */
export function healthExtension(vmss: StoredResource): HealthExtension | undefined {
  const exts = ((profileOf(vmss.body).extensionProfile as Json | undefined)?.extensions as Json[] | undefined) ?? [];
  const health = exts.find((e) => /^ApplicationHealth(Linux|Windows)$/i.test(String(((e.properties ?? {}) as Json).type)));
  if (!health) return undefined;
  const p = (health.properties ?? {}) as Json;
  const s = (p.settings ?? {}) as Json;
  const protocol = String(s.protocol ?? 'tcp').toLowerCase();
  // The extension's defaults: port 80 for http, 443 for https; tcp requires a port.
  const port = Number(s.port ?? (protocol === 'https' ? 443 : 80));
  return { name: String(health.name ?? 'HealthExtension'), type: `${String(p.publisher ?? 'Microsoft.ManagedServices')}.${String(p.type)}`, typeHandlerVersion: String(p.typeHandlerVersion ?? '1.0'), protocol, port };
}

/** automaticRepairsPolicy.enabled in the model. */
export function automaticRepairsEnabled(vmss: StoredResource): boolean {
  const p = (isObject(vmss.body.properties) ? vmss.body.properties : {}) as Json;
  return (p.automaticRepairsPolicy as Json | undefined)?.enabled === true;
}
