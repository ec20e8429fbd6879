import type { IncomingHttpHeaders } from 'node:http';
import type { ArmPath } from './resource-path';
import type { EmulatorState } from '../state/store';
import type { LroEngine } from './lro';
import type { FaultEngine } from './faults';
import type { RequestLog } from './request-log';
import type { EventPublisher } from '../eventgrid/publisher';
import type { ArmThrottle } from './throttle';
import type { ArmQuotas } from './quotas';
import type { EmulatorClock } from '../clock';

/** What a handler answers. `body` is JSON-serialised; headers are added to the response. */
export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface EmulatorOptionsResolved {
  lroDelayMs: number;
  tenantId: string;
  /** Items per page in list responses before a nextLink is given. */
  pageSize: number;
  /**
   * Metric grain in seconds set at run time (`PUT /_emulator/settings {metricGrainSeconds}`):
   * metrics are sampled into a per-backend history at this grain and served at it (distinct
   * timestamps), whatever interval a query asks for. Unset: 60 (Azure's PT1M).
   */
  metricGrainSeconds?: number;
  /**
   * Seconds after a grain closes before its point is published (`PUT /_emulator/settings
   * {metricPublicationDelaySeconds}`). Unset: two grains. Never below a fifth of the grain
   * (monitor/history.ts).
   */
  metricPublicationDelaySeconds?: number;
}

/**
 * Services every provider can use. Hold no reference to it across resets: `state` is
 * cleared and re-seeded in place, so the object identity stays the same.
 */
export interface EmulatorRuntime {
  /** The one clock every time-dependent part reads (clock.ts): real time unless a test advances it. */
  clock: EmulatorClock;
  state: EmulatorState;
  lro: LroEngine;
  faults: FaultEngine;
  requests: RequestLog;
  events: EventPublisher;
  /** ARM's token buckets per principal and subscription (throttle.ts). */
  throttle: ArmThrottle;
  /** Subscription quotas (quotas.ts). */
  quotas: ArmQuotas;
  options: EmulatorOptionsResolved;
  hooks: EmulatorHooks;
}

export interface ArmRequest {
  method: string;
  url: URL;
  /** Parsed ARM path; undefined for raw routes that are not resource paths. */
  path: ArmPath;
  apiVersion: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
  /** e.g. https://127.0.0.1:8443, for URLs in headers and nextLinks. */
  baseUrl: string;
  /** Set when a failLro fault fired for this request: pass it to `lro.begin({failWith})`. */
  failLro?: { code: string; message: string };
}

export interface ArmContext {
  req: ArmRequest;
  emu: EmulatorRuntime;
}

export type ArmHandler = (ctx: ArmContext) => ArmResponse | Promise<ArmResponse>;

/**
 * Handlers for one resource type. `type` is the canonical full type
 * ("Microsoft.Compute/virtualMachineScaleSets", children "…/virtualMachineScaleSets/virtualMachines").
 * - get/put/patch/delete: path ends on a name of this type.
 * - list: GET on a path that ends on this type (a collection, or a sub-path like
 *   ".../virtualMachineScaleSets/{n}/instanceView" registered as type ".../instanceView").
 * - actions: POST ".../{type}/{name}/{action}" → actions[action] (matched case-insensitively).
 */
export interface ResourceTypeHandler {
  type: string;
  /** api-versions a type outside Azure's namespaces accepts (test providers); Azure types use arm/api-versions.ts. */
  apiVersions?: readonly string[];
  get?: ArmHandler;
  put?: ArmHandler;
  patch?: ArmHandler;
  delete?: ArmHandler;
  list?: ArmHandler;
  actions?: Record<string, ArmHandler>;
}

/** A route that is not an ARM resource path (e.g. POST /subscriptions/{id}/metrics:getBatch). */
export interface RawRoute {
  method: string;
  /** Tested against the path with duplicate slashes collapsed, case-insensitively. */
  pattern: RegExp;
  /** Whether the request needs a bearer token and api-version like ARM (default true). */
  arm?: boolean;
  /** The resource type the request log and fault rules see (default: none, or what the path parses to). */
  resourceType?: string;
  /** api-versions accepted when `resourceType` is outside arm/api-versions.ts's table. */
  apiVersions?: readonly string[];
  /** The type whose api-versions the front door checks, when not `resourceType`'s (the metrics batch API's versions are its own). */
  apiVersionType?: string;
  handle: (ctx: RawContext) => ArmResponse | Promise<ArmResponse>;
}

export interface RawContext {
  method: string;
  url: URL;
  match: RegExpMatchArray;
  apiVersion: string | null;
  headers: IncomingHttpHeaders;
  body: unknown;
  baseUrl: string;
  emu: EmulatorRuntime;
}

/** Control-API route contributed by a provider, served under /_emulator/. */
export interface ControlRoute {
  method: string;
  /** Tested against the path after "/_emulator", e.g. /^\/metrics\/clock$/. */
  pattern: RegExp;
  handle: (ctx: RawContext) => ArmResponse | Promise<ArmResponse>;
}

/** Node break/repair, implemented by the compute provider (its state lives there). */
export interface NodeControl {
  /** `target` is an instance resource id or NIC IP; returns the instance id acted on. */
  breakNode(emu: EmulatorRuntime, target: string, options?: { persistent?: boolean; mode?: 'broken' | 'hung' }): ArmResponse | Promise<ArmResponse>;
  repairNode(emu: EmulatorRuntime, target: string): ArmResponse | Promise<ArmResponse>;
}

/** The data-path query (`POST /_emulator/datapath`), implemented in emulator/datapath/. */
export type DataPathHandler = (emu: EmulatorRuntime, query: unknown) => ArmResponse | Promise<ArmResponse>;

export interface EmulatorHooks {
  nodeControl?: NodeControl;
  dataPath?: DataPathHandler;
}
