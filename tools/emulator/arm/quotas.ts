import { ArmError, invalidParameters } from './errors';
import type { ArmPath } from './resource-path';
import type { EmulatorState } from '../state/store';

/**
 * Subscription quotas the product can meet (rule ARM-5). Learn, "Azure subscription and service
 * limits, quotas, and constraints", Private Link limits
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#private-link-limits):
 * 800 private link services per subscription. Creating one more is refused; the exact code NRP
 * sends is undocumented, so the emulator answers with the documented generic quota code, 400
 * `QuotaExceeded` (Learn, "Resolve errors for resource quotas"). The emulator counts per
 * subscription, not per region: stricter. Updating an existing service is never refused.
 *
 * A test may lower the limit (`PUT /_emulator/arm-limits {privateLinkServicesPerSubscription}`),
 * never raise it above Azure's.
 */
export const PLS_PER_SUBSCRIPTION = 800;
const PLS_TYPE = 'microsoft.network/privatelinkservices';

export class ArmQuotas {
  privateLinkServicesPerSubscription = PLS_PER_SUBSCRIPTION;

  configure(input: unknown): void {
    const v = input === null ? PLS_PER_SUBSCRIPTION : input;
    if (!(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= PLS_PER_SUBSCRIPTION)) {
      throw invalidParameters([`privateLinkServicesPerSubscription must be an integer from 0 to ${PLS_PER_SUBSCRIPTION} (Azure's limit; a test may only make it stricter), or null.`]);
    }
    this.privateLinkServicesPerSubscription = v as number;
  }

  /** Throws 400 QuotaExceeded when this request would create a resource over a quota. */
  check(method: string, p: ArmPath, state: EmulatorState): void {
    if (method !== 'PUT' || p.isCollection || p.fullType.toLowerCase() !== PLS_TYPE || state.get(p.id)) return;
    const used = state.list(PLS_TYPE, `/subscriptions/${p.subscriptionId}`).length;
    if (used >= this.privateLinkServicesPerSubscription) {
      throw new ArmError(
        400,
        'QuotaExceeded',
        `Cannot create private link service '${p.names[0]}': subscription '${p.subscriptionId}' already has ${used} private link services, the limit is ${this.privateLinkServicesPerSubscription}.`,
      );
    }
  }
}
