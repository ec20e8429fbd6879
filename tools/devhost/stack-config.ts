import * as path from 'node:path';

/**
 * What `npm start` (devhost/stack.ts) runs, from the environment: ports (0 = any free port) and
 * where local data lives. Pure, so it is tested as a table; problems are all named at once.
 *
 *   PLF_DEVHOST_PORT   default 7071   devhost (Functions host)
 *   PLF_EMULATOR_PORT  default 8443   emulator (ARM over HTTPS)
 *   PLF_AZURITE_PORT   default 10002  Azurite table service
 *   PLF_LOCAL_DIR      default <repo>/.local   azurite data, emulator CA and state
 *   PLF_LOG_JSON=1     devhost logs as JSON lines
 *   PLF_STACK_MAIN     the app's compiled entry glob, relative to the repo (default: package.json "main")
 *   PLF_AUTH           the app's sign-in, default off; entra checks tokens of the emulator's local
 *                      issuer (local-token.ts localSignIn; npm run token prints one)
 *   PLF_STACK_STOP_WITH_PARENT=0   keep running when the process that started it ends (default:
 *                      stop, so `kill <npm pid>` does not leave the stack behind; npm run demo
 *                      -- --keep sets 0 for the stack it leaves running)
 *   PLF_STACK_CLOCK    real (default) or controllable: the emulator and devhost on a clock that
 *                      only moves when told (POST /_emulator/clock/advance, then POST
 *                      /admin/clock/advance), with Azure's metric timing (PT1M grain, the
 *                      emulator's default delay) instead of the local 5 s grain; npm run demo --
 *                      --fast-clock sets it for the stack it starts
 */
export interface StackPort {
  port: number;
  /** True when the user chose it: a taken port is then an error, not a reason to pick another. */
  explicit: boolean;
}

export interface StackConfig {
  devhost: StackPort;
  emulator: StackPort;
  azurite: StackPort;
  localDir: string;
  json: boolean;
  main?: string;
  /** Stop when the parent process goes away (re-parented), as on Ctrl-C. */
  stopWithParent: boolean;
  /** PLF_STACK_CLOCK: `controllable` puts the emulator and devhost on a clock moved by advances. */
  clock: 'real' | 'controllable';
}

export const STACK_DEFAULT_PORTS = { devhost: 7071, emulator: 8443, azurite: 10002 } as const;

export function stackConfig(env: Readonly<Record<string, string | undefined>>, repoRoot: string): { ok: true; config: StackConfig } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const port = (name: string, fallback: number): StackPort => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return { port: fallback, explicit: false };
    if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
      problems.push(`${name} must be a port number 0-65535 (0 = any free port), got "${raw}"`);
      return { port: fallback, explicit: false };
    }
    return { port: Number(raw), explicit: true };
  };
  const config: StackConfig = {
    devhost: port('PLF_DEVHOST_PORT', STACK_DEFAULT_PORTS.devhost),
    emulator: port('PLF_EMULATOR_PORT', STACK_DEFAULT_PORTS.emulator),
    azurite: port('PLF_AZURITE_PORT', STACK_DEFAULT_PORTS.azurite),
    localDir: path.resolve(repoRoot, env.PLF_LOCAL_DIR?.trim() || '.local'),
    json: env.PLF_LOG_JSON === '1' || env.PLF_LOG_JSON === 'true',
    stopWithParent: !['0', 'false'].includes(env.PLF_STACK_STOP_WITH_PARENT?.trim() ?? ''),
    clock: 'real',
    ...(env.PLF_STACK_MAIN?.trim() ? { main: env.PLF_STACK_MAIN.trim() } : {}),
  };
  const clock = env.PLF_STACK_CLOCK?.trim();
  if (clock === 'controllable') config.clock = 'controllable';
  else if (clock && clock !== 'real') problems.push(`PLF_STACK_CLOCK must be real or controllable, got "${clock}"`);
  const fixed = (['devhost', 'emulator', 'azurite'] as const).filter((k) => config[k].port !== 0);
  for (let i = 0; i < fixed.length; i++) {
    for (let j = i + 1; j < fixed.length; j++) {
      if (config[fixed[i]].port === config[fixed[j]].port) problems.push(`${fixed[i]} and ${fixed[j]} cannot both use port ${config[fixed[i]].port}`);
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, config };
}
