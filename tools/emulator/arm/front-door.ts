import type { IncomingHttpHeaders } from 'node:http';
import { checkApiVersion } from './api-versions';
import type { ArmPath } from './resource-path';
import type { EmulatorRuntime } from './types';

/**
 * ARM's per-request limits, run by the router after authentication: the api-version must be one
 * the type registered (api-versions.ts, rule ARM-2), then the caller's token bucket pays for the
 * request (throttle.ts, rule ARM-4). Returns the rate-limit header to add to the answer.
 *
 * `throttled` is false for the emulator's own internal requests (control API) and for raw routes
 * that are not ARM in Azure (the metrics batch API is a data-plane endpoint with its own limits).
 */
export function frontDoor(
  emu: EmulatorRuntime,
  req: { method: string; headers: IncomingHttpHeaders; rawBody: string; apiVersion: string },
  target: { armPath?: ArmPath; type?: string; declaredVersions?: readonly string[]; throttled: boolean },
): Record<string, string> {
  if (target.type) checkApiVersion(target.type, req.apiVersion, locationOf(target.armPath, req.rawBody), target.declaredVersions);
  if (!target.throttled || !target.armPath) return {};
  const principal = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  return emu.throttle.take(principal, target.armPath.subscriptionId, req.method, emu.clock.now());
}

/** The location ARM names in its message: the path's `locations/{loc}` or the body's `location`. */
function locationOf(p: ArmPath | undefined, rawBody: string): string | undefined {
  const i = p ? p.types.findIndex((t) => t.toLowerCase() === 'locations') : -1;
  if (p && i >= 0) return p.names[i];
  try {
    const loc = (JSON.parse(rawBody) as { location?: unknown }).location;
    return typeof loc === 'string' ? loc : undefined;
  } catch {
    return undefined;
  }
}
