import type { PrivateLinkService } from '@azure/arm-network';
import type { HubPlacement } from '../../core/app-settings';
import type { ForwardSpec } from '../../core/forward-spec';
import { visibleSubscriptions } from '../../core/connection-policy';
import { forwardNames, forwardTags } from '../../core/names';
import { loadBalancerId } from '../load-balancer/spec';
import { desiredOrNoChange } from '../resource-service';

/**
 * The forward's Private Link Service on the LB frontend: one dynamic NAT IP from the hub subnet
 * (NAT IPs cannot be removed once added, so existing ones are kept), proxy protocol off (a DNAT
 * forwarder cannot strip PROXY headers), visibility = `consumers.visibleTo` (default: the subscriptions
 * in `consumers.allow`; `*` = anyone with the alias), and
 * no platform auto-approval: approvals are the product's.
 */
export function privateLinkServiceId(forward: string, p: HubPlacement): string {
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/Microsoft.Network/privateLinkServices/${forwardNames(forward).privateLinkService}`;
}

/**
 * `natIpCount`: NAT IPs the service should have (the health watch raises it when NAT ports run
 * short; kept beside the spec). Existing NAT IPs are always kept; new ones (`nat-{k}`, dynamic, from
 * the hub subnet) are added up to the count, at most 8.
 */
export function buildPrivateLinkService(forward: string, spec: ForwardSpec, p: HubPlacement, existing?: PrivateLinkService, natIpCount = 1): PrivateLinkService {
  const n = forwardNames(forward);
  const visible = visibleSubscriptions(spec.consumers);
  const natConfigs: NonNullable<PrivateLinkService['ipConfigurations']> = existing?.ipConfigurations?.length
    ? existing.ipConfigurations.map((c) => ({ name: c.name, subnet: c.subnet, primary: c.primary, privateIPAllocationMethod: c.privateIPAllocationMethod, privateIPAddressVersion: 'IPv4' }))
    : [{ name: 'nat-1', subnet: { id: p.subnetId }, primary: true, privateIPAllocationMethod: 'Dynamic', privateIPAddressVersion: 'IPv4' }];
  const names = new Set(natConfigs.map((c) => c.name?.toLowerCase()));
  for (let k = 2; natConfigs.length < Math.min(8, natIpCount); k++) {
    if (names.has(`nat-${k}`)) continue;
    natConfigs.push({ name: `nat-${k}`, subnet: { id: p.subnetId }, primary: false, privateIPAllocationMethod: 'Dynamic', privateIPAddressVersion: 'IPv4' });
  }
  return {
    location: p.location,
    tags: forwardTags(forward),
    loadBalancerFrontendIpConfigurations: [{ id: `${loadBalancerId(forward, p)}/frontendIPConfigurations/${n.frontend}` }],
    ipConfigurations: natConfigs,
    visibility: { subscriptions: visible },
    autoApproval: { subscriptions: [] },
    enableProxyProtocol: false,
    fqdns: [],
  };
}

function owned(pls: PrivateLinkService): unknown {
  return {
    tags: pls.tags ?? {},
    frontends: (pls.loadBalancerFrontendIpConfigurations ?? []).map((f) => f.id?.toLowerCase()),
    nat: (pls.ipConfigurations ?? []).map((c) => c.subnet?.id?.toLowerCase()),
    visibility: [...(pls.visibility?.subscriptions ?? [])].map((s) => s.toLowerCase()).sort(),
    autoApproval: [...(pls.autoApproval?.subscriptions ?? [])].sort(),
    proxy: pls.enableProxyProtocol === true,
  };
}

export function desiredPrivateLinkService(forward: string, spec: ForwardSpec, p: HubPlacement, existing?: PrivateLinkService, natIpCount = 1): PrivateLinkService | 'no-change' {
  // Fields alone do not decide: a Failed one is written again, one being deleted never (whenOwnedFieldsMatch).
  return desiredOrNoChange(buildPrivateLinkService(forward, spec, p, existing, natIpCount), existing, owned);
}
