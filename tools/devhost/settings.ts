import { appEnv } from './loader';

/**
 * Binding expressions `%NAME%` in trigger properties (schedule, route, ...) resolve from app
 * settings, i.e. the environment, as in the real host. A missing setting is an error that names it.
 */
export function resolveAppSettings(value: string, env: Readonly<Record<string, string | undefined>> = appEnv()): string {
  return value.replace(/%([^%]+)%/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`app setting "${name}" (used as %${name}%) is not set`);
    return v;
  });
}
