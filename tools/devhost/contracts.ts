/**
 * The seam between the devhost Functions host (devhost/*.ts) and its durable engine
 * (devhost/durable/). The host loads the app and knows how to invoke a function the way the
 * Node worker does; the engine keeps orchestration state and decides what to invoke next.
 * Neither imports the other's internals: only these types.
 */

/** One function the app registered through `@azure/functions-core` `registerFunction`. */
export interface RegisteredFunction {
  name: string;
  /** Trigger binding type as registered, e.g. httpTrigger, timerTrigger, eventGridTrigger,
   *  orchestrationTrigger, activityTrigger, entityTrigger. */
  triggerType: string;
  /** The raw metadata the app passed to registerFunction (bindings, retryOptions, ...). */
  metadata: Record<string, unknown>;
}

export interface InvokeOptions {
  /** Reused on a retry of the same logical invocation; a new GUID otherwise. */
  invocationId?: string;
  /** Passed to the app as `context.triggerMetadata`. */
  triggerMetadata?: Record<string, unknown>;
}

/**
 * Implemented by the host. Invokes a registered function exactly as the Node worker would
 * (programming model -> invocation model -> getArguments -> invokeFunction -> getResponse),
 * with `triggerValue` as the decoded trigger input, and resolves with the function's decoded
 * return value. Rejects with the function's error when the handler throws.
 */
export interface FunctionInvoker {
  functions(): readonly RegisteredFunction[];
  invoke(name: string, triggerValue: unknown, options?: InvokeOptions): Promise<unknown>;
}

/** Implemented by the engine; the host mounts it and starts/stops it with itself. */
export interface DurableEngineHost {
  start(): Promise<void>;
  /** Stops scheduling new work and waits (bounded) for in-flight invocations. */
  stop(): Promise<void>;
  /**
   * Serves the Durable Functions HTTP management API. `path` is what follows
   * `/runtime/webhooks/durabletask/` (e.g. `orchestrators/Name/instanceId`, `instances/id`).
   * Resolves once the response has been written.
   */
  handleHttp(
    request: import('node:http').IncomingMessage,
    response: import('node:http').ServerResponse,
    path: string,
    body: Buffer,
  ): Promise<void>;
  /** The JSON value the host puts in a `durableClient` input binding so `df.getClient()` works;
   *  `baseUrl` is e.g. `http://127.0.0.1:7071`. */
  clientBinding(baseUrl: string): Record<string, unknown>;
}
