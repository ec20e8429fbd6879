import * as fs from 'node:fs';
import NodeModule from 'node:module';
import * as path from 'node:path';

/**
 * Loads a compiled Azure Functions app the way the Node worker does: the worker injects a module
 * named `@azure/functions-core`; `@azure/functions` finds it, hands it a programming model and
 * calls `registerFunction(metadata, handler)` once per `app.http(...)`, `app.timer(...)`,
 * `df.app.orchestration(...)`... We supply that module, require every file matched by the
 * package's `main` glob, and keep what the app registered. Nothing here knows the product.
 */

/** The programming model `@azure/functions` hands to the worker (see its ProgrammingModel class). */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
  /** Called once by the worker at startup; locks `app.setup(...)` options. */
  getCapabilities?(workerCapabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: (...args: unknown[]) => unknown): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: RpcTypedData | null; outputData?: { name: string; data: RpcTypedData }[] }>;
}

/** The worker's typed data (protobuf TypedData as JSON). */
export type RpcTypedData = {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  stream?: Uint8Array;
  http?: Record<string, unknown>;
  int?: number;
  double?: number;
};

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    inputData: { name: string; data: RpcTypedData }[];
    triggerMetadata?: Record<string, RpcTypedData>;
    /** Set on a retry under the function's retry policy (the worker's RpcRetryContext). */
    retryContext?: { retryCount: number; maxRetryCount: number; exception?: { message?: string; source?: string; stackTrace?: string } };
    /** The invocation's W3C trace context (the worker's RpcTraceContext), as the host starts one per invocation. */
    traceContext?: { traceParent: string; traceState: string; attributes: Record<string, string> };
  };
  metadata: CoreFunctionMetadata;
  state?: string;
  log(level: string, category: string, message: string): void;
}

export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out';
  name?: string;
  [key: string]: unknown;
}

export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: unknown;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';

export interface LoadedFunction {
  name: string;
  metadata: CoreFunctionMetadata;
  handler: (...args: unknown[]) => unknown;
  /** Name and binding of the trigger (exactly one binding whose type ends in "Trigger"). */
  triggerName: string;
  trigger: BindingMetadata;
}

export interface LoadedApp {
  appDir: string;
  files: string[];
  functions: Map<string, LoadedFunction>;
  programmingModel: ProgrammingModel;
  hooks: Map<HookName, ((context: unknown) => unknown)[]>;
  /** Shared by every hook of the app, as the worker's `appHookData`. */
  appHookData: Record<string, unknown>;
  /** Set once the appStart hooks ran (they run once per process, like in the worker). */
  started?: Promise<void>;
}

export class AppLoadError extends Error {}

/**
 * Resolves `main` like the worker's glob (globby): a file, or a pattern with `*` (within a name),
 * `?`, `**` (any depth of folders) and `{a,b}` alternatives, e.g. `dist/functions/*.js`, or
 * `dist/functions/{telemetry.js,*.js}` (Microsoft's OpenTelemetry set-up: a file that must load
 * before the others). As fast-glob does, alternatives without a wildcard come first, in their
 * order, then the matches of the others, sorted; a file matched twice is loaded once.
 * node_modules folders are not searched.
 */
export function resolveMainGlob(appDir: string, main: string): string[] {
  const patterns = expandBraces(main);
  const isStatic = (p: string) => !/[*?]/.test(p);
  const ordered = [...patterns.filter(isStatic), ...patterns.filter((p) => !isStatic(p))];
  return [...new Set(ordered.flatMap((p) => resolveOne(appDir, p)))];
}

/** `a/{b,c}/d{1,2}` -> the four patterns, left to right; unbalanced braces stay literal. */
function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === ',' && depth === 1) commas.push(i);
    else if (pattern[i] === '}' && --depth === 0) {
      const bounds = [open, ...commas, i];
      const head = pattern.slice(0, open);
      const tail = pattern.slice(i + 1);
      return bounds.slice(1).flatMap((end, k) => expandBraces(`${head}${pattern.slice(bounds[k] + 1, end)}${tail}`));
    }
  }
  return [pattern];
}

function resolveOne(appDir: string, main: string): string[] {
  const absolute = path.resolve(appDir, main);
  if (!/[*?]/.test(absolute)) return fs.existsSync(absolute) ? [absolute] : [];
  const segments = absolute.split(path.sep);
  const firstWild = segments.findIndex((seg) => /[*?]/.test(seg));
  const root = segments.slice(0, firstWild).join(path.sep) || path.sep;
  const regex = globRegex(segments.slice(firstWild).join('/'));
  if (!fs.existsSync(root)) return [];
  const deep = segments.slice(firstWild).some((seg) => seg === '**');
  const found: string[] = [];
  const walk = (dir: string, rel: string, depth: number) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && (deep || depth < segments.length - firstWild - 1)) walk(path.join(dir, entry.name), relPath, depth + 1);
      } else if (regex.test(relPath)) found.push(path.join(dir, entry.name));
    }
  };
  walk(root, '', 0);
  return found.sort();
}

function globRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` anything below.
      const slash = pattern[i + 2] === '/';
      out += slash ? '(?:[^/]+/)*' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += escapeRegex(c);
  }
  return new RegExp(`^${out}$`);
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** Reads `main` from the app's package.json. */
export function mainOf(appDir: string): string {
  const pkgPath = path.join(appDir, 'package.json');
  if (!fs.existsSync(pkgPath)) throw new AppLoadError(`no package.json in ${appDir} (pass --main)`);
  const main = (JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { main?: string }).main;
  if (!main) throw new AppLoadError(`package.json in ${appDir} has no "main"`);
  return main;
}

/**
 * The environment the app reads its settings from (`process.env` of the real process). Under a
 * test runner the caller's `process` may be a sandbox copy; the app, loaded by Node's own require,
 * sees the real one, so settings devhost gives the app must go there.
 */
export function appEnv(): NodeJS.ProcessEnv {
  return (Module.createRequire(__filename)('node:process') as NodeJS.Process).env;
}

/**
 * Process-wide state. `@azure/functions` caches the core module the first time it asks for it and
 * sets its programming model once, so every app loaded in this process must talk to the same core
 * object; it routes registrations to whichever app is being loaded. The state hangs off the real
 * `Module` object (not a module variable or globalThis) so it is shared even when this file is
 * evaluated more than once in one process, as jest does per test file.
 */
interface Registry {
  functions: Map<string, LoadedFunction>;
  hooks: Map<HookName, ((context: unknown) => unknown)[]>;
}

interface LoaderState {
  loading?: Registry;
  programmingModel?: ProgrammingModel;
  apps: Map<string, LoadedApp>;
}

const STATE_KEY = Symbol.for('plf.devhost.loader');

/**
 * Node's real module system. A test runner may hand `require('node:module')` a stand-in of its
 * own (jest gives a subclass of the real class, with its statics copied and a createRequire that
 * is jest's); the real one is the topmost class in the chain that owns `_load`, which is what the
 * app's `require('@azure/functions-core')` goes through.
 */
const Module: typeof NodeModule = realModule(NodeModule);

function realModule(candidate: typeof NodeModule): typeof NodeModule {
  let m: object = candidate;
  for (let parent = Object.getPrototypeOf(m) as object | null; parent && Object.prototype.hasOwnProperty.call(parent, '_load'); parent = Object.getPrototypeOf(parent) as object | null) {
    m = parent;
  }
  return m as typeof NodeModule;
}
type ModuleInternals = {
  _load: (request: string, parent: unknown, isMain: boolean) => unknown;
  [STATE_KEY]?: LoaderState;
};

function loaderState(): LoaderState {
  const internals = Module as unknown as ModuleInternals;
  const existing = internals[STATE_KEY];
  if (existing) return existing;
  const state: LoaderState = { apps: new Map() };
  const coreApi = createCoreApi(state);
  // Resolve `@azure/functions-core` to our object for every require in this process, as the
  // worker does.
  const originalLoad = internals._load;
  internals._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean) {
    if (request === '@azure/functions-core') return coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
  internals[STATE_KEY] = state;
  return state;
}

function createCoreApi(state: LoaderState) {
  const current = (what: string): Registry => {
    if (!state.loading) throw new AppLoadError(`${what} called outside of app loading (devhost registers functions only while it loads the app)`);
    return state.loading;
  };
  return {
    version: '3.10.1',
    hostVersion: '4.1040.0',
    setProgrammingModel(model: ProgrammingModel) {
      state.programmingModel = model;
    },
    getProgrammingModel() {
      return state.programmingModel;
    },
    registerFunction(metadata: CoreFunctionMetadata, handler: (...args: unknown[]) => unknown) {
      const { functions } = current('registerFunction');
      if (functions.has(metadata.name)) throw new AppLoadError(`function "${metadata.name}" is registered twice`);
      const entry = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type));
      if (!entry) throw new AppLoadError(`function "${metadata.name}" has no trigger binding`);
      functions.set(metadata.name, { name: metadata.name, metadata, handler, triggerName: entry[0], trigger: entry[1] });
      return { dispose: () => functions.delete(metadata.name) };
    },
    registerHook(name: HookName, callback: (c: unknown) => unknown) {
      const { hooks } = current('registerHook');
      const list = hooks.get(name) ?? [];
      list.push(callback);
      hooks.set(name, list);
      return { dispose: () => list.splice(list.indexOf(callback), 1) };
    },
  };
}

/**
 * Loads the app once per process (a second call with the same files returns the same app: Node
 * runs a module only once). Requires with Node's own require, not the caller's, so the app sees
 * the real module system even under a test runner.
 */
export function loadApp(appDir: string, main = mainOf(appDir)): LoadedApp {
  const state = loaderState();
  const files = resolveMainGlob(appDir, main);
  if (files.length === 0) throw new AppLoadError(`main "${main}" matches no file under ${appDir} (did you run npm run build?)`);
  const key = files.join('\n');
  const cached = state.apps.get(key);
  if (cached) return cached;

  const registry: Registry = { functions: new Map(), hooks: new Map() };
  const nativeRequire = Module.createRequire(path.join(path.resolve(appDir), 'package.json'));
  state.loading = registry;
  try {
    for (const file of files) nativeRequire(file);
  } catch (err) {
    // The library refuses HTTP streaming on a host without it; say what that means here.
    if (/HTTP streaming requires/.test(String((err as Error)?.message))) {
      throw new AppLoadError('the app turns on HTTP streaming (app.setup({ enableHttpStream: true })), which devhost does not support');
    }
    throw err;
  } finally {
    state.loading = undefined;
  }
  if (registry.functions.size === 0 || !state.programmingModel) {
    throw new AppLoadError(`${main} registered no functions through @azure/functions (or its files were already loaded by another app in this process)`);
  }
  const loadedApp: LoadedApp = { appDir: path.resolve(appDir), files, ...registry, programmingModel: state.programmingModel, appHookData: {} };
  state.apps.set(key, loadedApp);
  return loadedApp;
}

/** Runs the app's `app.hook.appStart` hooks once, as the worker does before the first invocation. */
export function startApp(app: LoadedApp): Promise<void> {
  app.started ??= (async () => {
    await app.programmingModel.getCapabilities?.({});
    for (const hook of app.hooks.get('appStart') ?? []) {
      await hook({ hookData: app.appHookData, appHookData: app.appHookData, functionAppDirectory: app.appDir });
    }
  })();
  return app.started;
}
