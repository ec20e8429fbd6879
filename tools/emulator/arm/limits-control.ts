import { invalidParameters } from './errors';
import type { ArmResponse, EmulatorRuntime, RawContext } from './types';

/**
 * Control routes for ARM's limits: `GET/PUT /_emulator/arm-limits`
 * `{armThrottle?: {reads?, writes?, deletes?}, privateLinkServicesPerSubscription?}`. Values may
 * only be stricter than Azure's (see throttle.ts, quotas.ts); `null` restores Azure's. Not
 * changed by reset (like settings).
 */
export function armLimitRoutes(emu: EmulatorRuntime): Array<{ method: string; pattern: RegExp; handle: (ctx: RawContext) => ArmResponse }> {
  const current = (): ArmResponse => ({ status: 200, body: { armThrottle: emu.throttle.settings(), privateLinkServicesPerSubscription: emu.quotas.privateLinkServicesPerSubscription } });
  return [
    { method: 'GET', pattern: /^\/arm-limits$/, handle: current },
    {
      method: 'PUT',
      pattern: /^\/arm-limits$/,
      handle: (ctx) => {
        const b = ctx.body as Record<string, unknown> | undefined;
        if (typeof b !== 'object' || b === null || Array.isArray(b)) throw invalidParameters(['Body must be a JSON object {armThrottle?, privateLinkServicesPerSubscription?}.']);
        const unknown = Object.keys(b).filter((k) => k !== 'armThrottle' && k !== 'privateLinkServicesPerSubscription');
        if (unknown.length) throw invalidParameters(unknown.map((k) => `${k} is not an ARM limit (armThrottle, privateLinkServicesPerSubscription).`));
        if (b.armThrottle !== undefined) emu.throttle.configure(b.armThrottle);
        if (b.privateLinkServicesPerSubscription !== undefined) emu.quotas.configure(b.privateLinkServicesPerSubscription);
        return current();
      },
    },
  ];
}
