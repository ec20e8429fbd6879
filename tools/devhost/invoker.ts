import { randomBytes, randomUUID } from 'node:crypto';
import type { FunctionInvoker, InvokeOptions, RegisteredFunction } from './contracts';
import { startApp, type CoreInvocationContext, type LoadedApp, type LoadedFunction, type RpcTypedData } from './loader';
import type { Logger } from './log';

/**
 * Invokes a loaded function exactly as the Node worker does: build the worker's invocation
 * request (typed input data per binding), let the app's own programming model turn it into
 * arguments, run the handler, and let the model turn the result into the worker's response.
 */
export interface InvokerOptions {
  log: Logger;
  /** The JSON a `durableClient` input binding carries (from the durable engine). */
  durableClientBinding?: () => Record<string, unknown>;
}

/** devhost's own invocation options, beyond the engine contract. */
export interface DevhostInvokeOptions extends InvokeOptions {
  retryContext?: CoreInvocationContext['request']['retryContext'];
}

/** A function's retry policy as registered (`retry` in app.timer(...) and friends). */
export interface RetryPolicy {
  retryStrategy: 'fixedDelay' | 'exponentialBackoff';
  maxRetryCount: number;
  delayInterval?: { seconds?: number };
  minimumInterval?: { seconds?: number };
  maximumInterval?: { seconds?: number };
}

/** Milliseconds to wait before retry number `retryCount` (1-based). */
export function retryDelayMs(policy: RetryPolicy, retryCount: number): number {
  if (policy.retryStrategy === 'fixedDelay') return (policy.delayInterval?.seconds ?? 0) * 1000;
  const min = (policy.minimumInterval?.seconds ?? 0) * 1000;
  const max = (policy.maximumInterval?.seconds ?? Number.MAX_SAFE_INTEGER / 1000) * 1000;
  return Math.min(max, min * 2 ** (retryCount - 1));
}

export interface InvocationResult {
  returnValue?: RpcTypedData;
  outputData: { name: string; data: RpcTypedData }[];
}

export class DevhostInvoker implements FunctionInvoker {
  constructor(
    private readonly app: LoadedApp,
    private readonly options: InvokerOptions,
  ) {}

  functions(): readonly RegisteredFunction[] {
    return [...this.app.functions.values()].map((f) => ({
      name: f.name,
      triggerType: f.trigger.type,
      metadata: f.metadata as unknown as Record<string, unknown>,
    }));
  }

  get(name: string): LoadedFunction | undefined {
    return this.app.functions.get(name) ?? [...this.app.functions.values()].find((f) => f.name.toLowerCase() === name.toLowerCase());
  }

  /** FunctionInvoker: trigger value in, decoded return value out. */
  async invoke(name: string, triggerValue: unknown, options: DevhostInvokeOptions = {}): Promise<unknown> {
    const result = await this.invokeRaw(name, encodeTriggerValue(triggerValue, this.mustGet(name).trigger.type), options);
    return decodeTypedData(result.returnValue);
  }

  /** Invokes with the trigger already in the worker's typed form (HTTP uses this). */
  async invokeRaw(name: string, triggerData: RpcTypedData, options: DevhostInvokeOptions = {}): Promise<InvocationResult> {
    const fn = this.mustGet(name);
    const invocationId = options.invocationId ?? randomUUID();
    const inputData: CoreInvocationContext['request']['inputData'] = [{ name: fn.triggerName, data: triggerData }];
    for (const [bindingName, binding] of Object.entries(fn.metadata.bindings)) {
      if (binding.direction !== 'in' || bindingName === fn.triggerName) continue;
      if (binding.type === 'durableClient' || binding.type === 'orchestrationClient') {
        if (!this.options.durableClientBinding) throw new Error(`function "${name}" needs a durable client but no durable engine runs`);
        inputData.push({ name: bindingName, data: { string: JSON.stringify(this.options.durableClientBinding()) } });
      }
    }
    const triggerMetadata: Record<string, RpcTypedData> = {};
    for (const [key, value] of Object.entries(options.triggerMetadata ?? {})) triggerMetadata[key] = { json: JSON.stringify(value) };

    const started = process.hrtime.bigint();
    const log = this.options.log;
    const coreContext: CoreInvocationContext = {
      invocationId,
      // A new trace per invocation, as the host does (an app's OpenTelemetry instrumentation
      // parents its spans and log records on it).
      request: { inputData, triggerMetadata, traceContext: { traceParent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`, traceState: '', attributes: {} }, ...(options.retryContext ? { retryContext: options.retryContext } : {}) },
      metadata: fn.metadata,
      log: (level, category, message) => {
        // The app's log hooks see every line first and may change its level or text.
        const line = { level, category, message, invocationContext, hookData: {}, appHookData: this.app.appHookData };
        for (const hook of this.app.hooks.get('log') ?? []) hook(line);
        // System lines from the library are noise in a terminal unless they warn.
        if (line.category === 'system' && line.level !== 'warning' && line.level !== 'error') return;
        log.app(fn.name, invocationId, line.level, line.category, line.message);
      },
    };
    let invocationContext: unknown;
    let outcome = 'Succeeded';
    try {
      await startApp(this.app);
      const model = this.app.programmingModel.getInvocationModel(coreContext);
      const { context, inputs } = await model.getArguments();
      invocationContext = context;
      // The worker's hook protocol: preInvocation may swap inputs and the handler; postInvocation
      // sees the result or error and may replace either.
      const hookData: Record<string, unknown> = {};
      const pre = { invocationContext: context, inputs, functionCallback: fn.handler, hookData, appHookData: this.app.appHookData };
      coreContext.state = 'preInvocationHooks';
      await this.runHooks('preInvocation', pre);
      coreContext.state = 'invocation';
      let result: unknown;
      let error: unknown;
      try {
        result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
      } catch (err) {
        error = err;
      }
      const post = { invocationContext: context, inputs: pre.inputs, result, error, hookData, appHookData: this.app.appHookData };
      coreContext.state = 'postInvocationHooks';
      await this.runHooks('postInvocation', post);
      coreContext.state = undefined;
      if (post.error !== undefined && post.error !== null) throw post.error;
      const response = await model.getResponse(context, post.result);
      return { returnValue: response.returnValue ?? undefined, outputData: response.outputData ?? [] };
    } catch (err) {
      outcome = 'Failed';
      throw err;
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.invocation({ functionName: fn.name, invocationId, durationMs: ms, outcome, trigger: fn.trigger.type });
    }
  }

  /**
   * Invokes under the function's retry policy, as the host does for the triggers that support
   * one (timers here): a failed run is retried after the policy's delay with `context.retryContext`
   * set, until it succeeds or `maxRetryCount` retries failed (-1: until `shouldStop()`).
   */
  async invokeWithRetry(name: string, triggerValue: unknown, shouldStop: () => boolean = () => false): Promise<unknown> {
    const policy = this.mustGet(name).metadata.retryOptions as RetryPolicy | undefined;
    let retryContext: DevhostInvokeOptions['retryContext'];
    for (let retryCount = 0; ; retryCount++) {
      try {
        return await this.invoke(name, triggerValue, retryContext ? { retryContext } : {});
      } catch (err) {
        if (!policy || (policy.maxRetryCount >= 0 && retryCount >= policy.maxRetryCount) || shouldStop()) throw err;
        // Duck-typed: the app's errors may come from another realm (instanceof Error fails under jest).
        const error = err !== null && typeof err === 'object' && 'message' in err ? (err as Error) : new Error(String(err));
        retryContext = {
          retryCount: retryCount + 1,
          maxRetryCount: policy.maxRetryCount,
          exception: { message: error.message, source: error.name, ...(error.stack ? { stackTrace: error.stack } : {}) },
        };
        this.options.log.warn(`'${name}' failed; retry ${retryCount + 1}${policy.maxRetryCount >= 0 ? ` of ${policy.maxRetryCount}` : ''} under its retry policy`);
        await new Promise((r) => setTimeout(r, retryDelayMs(policy, retryCount + 1)));
      }
    }
  }

  private async runHooks(name: 'preInvocation' | 'postInvocation', context: Record<string, unknown>): Promise<void> {
    for (const hook of this.app.hooks.get(name) ?? []) await hook(context);
  }

  private mustGet(name: string): LoadedFunction {
    const fn = this.get(name);
    if (!fn) throw new UnknownFunctionError(name);
    return fn;
  }
}

export class UnknownFunctionError extends Error {
  constructor(readonly functionName: string) {
    super(`function "${functionName}" is not registered by the app`);
  }
}

/**
 * Trigger values the way the host sends them. The Durable extension hands its triggers
 * (orchestration payload, activity input, entity batch) to the worker as JSON text, which the
 * programming model parses back; other triggers (timer, Event Grid, ...) arrive as JSON. Raw
 * buffers stay bytes.
 */
const DURABLE_TRIGGERS = new Set(['orchestrationTrigger', 'activityTrigger', 'entityTrigger']);

export function encodeTriggerValue(value: unknown, triggerType = ''): RpcTypedData {
  if (Buffer.isBuffer(value)) return { bytes: value };
  const text = JSON.stringify(value ?? null);
  return DURABLE_TRIGGERS.has(triggerType) ? { string: text } : { json: text };
}

/**
 * The function's return value as the host sees it. A string stays a string (an activity that
 * returns "42" returns the text "42", not a number).
 */
export function decodeTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.json !== undefined && data.json !== null) return JSON.parse(data.json);
  if (data.string !== undefined && data.string !== null) return data.string;
  if (data.bytes !== undefined && data.bytes !== null) return Buffer.from(data.bytes);
  if (data.int !== undefined && data.int !== null) return data.int;
  if (data.double !== undefined && data.double !== null) return data.double;
  if (data.http !== undefined && data.http !== null) return data.http;
  return undefined;
}
