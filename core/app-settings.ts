/**
 * Reads the app settings the product depends on from an environment record.
 * Pure: the caller passes `process.env` (or a test table), nothing here touches I/O.
 * Nothing returned may carry a secret: connection strings are reduced to their endpoints.
 */
import { USER_ASSIGNED_IDENTITY_ID } from './patterns';
import { subscriptionOf } from './resource-id';
import type { ArmTarget, StorageTarget } from './responses/health';

export type Env = Readonly<Record<string, string | undefined>>;

/** Where Azure Resource Manager calls go, and which table storage is used (without credentials): GET /api/health shows both (core/responses/health.ts). */
export type { ArmTarget, StorageTarget };

export const AZURE_ARM_ENDPOINT = 'https://management.azure.com';
/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEVELOPMENT_ACCOUNT = 'devstoreaccount1';
export const DEVELOPMENT_TABLE_ENDPOINT = 'http://127.0.0.1:10002/devstoreaccount1';

export function armTarget(env: Env): ArmTarget {
  const endpoint = env.PLF_ARM_ENDPOINT?.trim();
  if (!endpoint) return { kind: 'azure', endpoint: AZURE_ARM_ENDPOINT };
  const caFile = env.PLF_ARM_CA_FILE?.trim();
  return { kind: 'emulator', endpoint: endpoint.replace(/\/+$/, ''), ...(caFile ? { caFile } : {}) };
}

/** Parses `AzureWebJobsStorage` (or its identity-based `__tableServiceUri` form) without echoing keys. */
export function storageTarget(env: Env): StorageTarget {
  const identityUri = env.AzureWebJobsStorage__tableServiceUri?.trim();
  if (identityUri) {
    const accountName = env.AzureWebJobsStorage__accountName?.trim() || accountFromUrl(identityUri);
    return { kind: 'identity', tableEndpoint: identityUri, ...(accountName ? { accountName } : {}) };
  }
  // `__accountName` alone means the account's public-cloud endpoints (what the Functions host does).
  const identityAccount = env.AzureWebJobsStorage__accountName?.trim();
  if (identityAccount && !env.AzureWebJobsStorage?.trim()) {
    return { kind: 'identity', tableEndpoint: `https://${identityAccount}.table.core.windows.net`, accountName: identityAccount };
  }
  const raw = env.AzureWebJobsStorage?.trim();
  if (!raw) return { kind: 'unset' };
  const parts = parseConnectionString(raw);
  if (parts.usedevelopmentstorage?.toLowerCase() === 'true') {
    return { kind: 'development', tableEndpoint: DEVELOPMENT_TABLE_ENDPOINT, accountName: DEVELOPMENT_ACCOUNT };
  }
  const accountName = parts.accountname;
  const tableEndpoint =
    parts.tableendpoint ??
    (accountName ? `${parts.defaultendpointsprotocol ?? 'https'}://${accountName}.table.${parts.endpointsuffix ?? 'core.windows.net'}` : undefined);
  return { kind: 'connection-string', ...(tableEndpoint ? { tableEndpoint } : {}), ...(accountName ? { accountName } : {}) };
}

/** `Key=Value;Key=Value` with lower-cased keys; values may contain `=` (base64 keys do). */
export function parseConnectionString(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const segment of raw.split(';')) {
    const at = segment.indexOf('=');
    if (at <= 0) continue;
    out[segment.slice(0, at).trim().toLowerCase()] = segment.slice(at + 1).trim();
  }
  return out;
}

function accountFromUrl(url: string): string | undefined {
  try {
    return new URL(url).hostname.split('.')[0];
  } catch {
    return undefined;
  }
}

/** Where forwards are placed in the hub, from app settings; a forward's `placement` overrides. */
export interface HubPlacement {
  subscriptionId: string;
  resourceGroup: string;
  subnetId: string;
  location: string;
}

export type PlacementResult = { ok: true; placement: HubPlacement } | { ok: false; missing: string[] };

export function hubPlacement(env: Env, override: { resourceGroup?: string; subnetId?: string; location?: string } = {}): PlacementResult {
  const subnetId = override.subnetId ?? env.PLF_HUB_SUBNET_ID?.trim();
  const resourceGroup = override.resourceGroup ?? env.PLF_HUB_RESOURCE_GROUP?.trim();
  const location = override.location ?? (env.PLF_LOCATION ?? env.PLF_HUB_LOCATION)?.trim();
  // The subscription is the subnet's: scale set NICs and the LB frontend must be in it.
  const subscriptionId = subnetId ? subscriptionOf(subnetId) : env.PLF_HUB_SUBSCRIPTION_ID?.trim();
  const missing = [
    ...(subnetId ? [] : ['PLF_HUB_SUBNET_ID']),
    ...(resourceGroup ? [] : ['PLF_HUB_RESOURCE_GROUP']),
    ...(location ? [] : ['PLF_LOCATION']),
    ...(subscriptionId ? [] : ['PLF_HUB_SUBSCRIPTION_ID']),
  ];
  if (missing.length) return { ok: false, missing };
  return { ok: true, placement: { subscriptionId: subscriptionId!, resourceGroup: resourceGroup!, subnetId: subnetId!, location: location! } };
}

/** How often orchestrations poll a long-running Azure operation (durable timer), in ms. */
export function pollIntervalMs(env: Env): number {
  const v = Number(env.PLF_POLL_INTERVAL_MS);
  return Number.isInteger(v) && v >= 50 && v <= 600_000 ? v : 5_000;
}

/** SSH public key for forwarder nodes (optional: without one, nodes have no SSH login at all). */
export function nodeSshKey(env: Env): string | undefined {
  const key = env.PLF_NODE_SSH_PUBLIC_KEY?.trim();
  return key && /^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/.test(key) ? key : undefined;
}

/** Seconds between drift re-checks of a converged forward (its orchestration re-reads Azure). */
export function driftCheckSeconds(env: Env): number {
  const v = Number(env.PLF_DRIFT_CHECK_SECONDS);
  return Number.isInteger(v) && v >= 5 && v <= 86_400 ? v : 600;
}

/**
 * The probes' settings: `schedule` (NCRONTAB, PLF_PROBES_SCHEDULE, default every minute) of the
 * one timer that starts due probes and sweeps leftover groups; `image` (PLF_PROBE_IMAGE);
 * `connectTimeout` seconds per port (PLF_PROBE_CONNECT_TIMEOUT_SECONDS, default 5); `deadline`
 * seconds a run may take from creation to result (PLF_PROBE_DEADLINE_SECONDS, default 300);
 * `threshold` failed runs in a row before Reachable is False (PLF_PROBE_FAILURE_THRESHOLD,
 * default 2); history bounds per forward (PLF_PROBE_HISTORY_DAYS, default 30;
 * PLF_PROBE_HISTORY_MAX, default 500); `groupMaxAge` seconds after which the sweep deletes one of
 * our probe groups whatever its run says (PLF_PROBE_GROUP_MAX_AGE_SECONDS, default 1800);
 * `sweepEvery` seconds between cleanup sweeps (PLF_PROBE_SWEEP_SECONDS, default 900; 0 = every tick).
 */
export interface ProbeSettings {
  schedule: string;
  image: string;
  connectTimeout: number;
  deadline: number;
  threshold: number;
  historyDays: number;
  historyMax: number;
  groupMaxAge: number;
  /** Seconds between cleanup sweeps of leftover probe groups (PLF_PROBE_SWEEP_SECONDS, default 900; 0 = every tick). */
  sweepEvery: number;
  /** PLF_PROBE_PULL_IDENTITY_ID: a user-assigned identity resource id that pulls PLF_PROBE_IMAGE from a private registry. */
  pullIdentityId?: string;
}

/**
 * The probe image, pinned by digest (a tag moves: `azurelinux/busybox:1.36` is rebuilt). This is
 * the multi-arch index of mcr.microsoft.com/azurelinux/busybox that oras-project/oras-java's
 * PublicAzureCRITCase pulls anonymously from MCR. Its busybox is Azure Linux's package
 * (microsoft/azurelinux SPECS/busybox/busybox.spec: 1.36.1, busybox-static.config with
 * CONFIG_NC=y, CONFIG_NC_EXTRA=y, CONFIG_NC_110_COMPAT=y — the nc with `-z` — and CONFIG_TIME=y).
 * Unverified here (no registry access): that this digest is still served and that the image
 * links the `time` and `nc` applets on PATH; check with
 * `docker run --rm <image> sh -c 'command -v time nc; nc -h 2>&1 | head -3'`.
 */
export const DEFAULT_PROBE_IMAGE = 'mcr.microsoft.com/azurelinux/busybox@sha256:330ce7e940f7476089c4c74565c63767988e188b06988e58e76b54890e7f621b';
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

const IDENTITY_ID = USER_ASSIGNED_IDENTITY_ID;

export function probeSettings(env: Env): ProbeSettings {
  const int = (v: string | undefined, min: number, max: number, dflt: number) => {
    const n = Number(v);
    return v !== undefined && v.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : dflt;
  };
  const schedule = env.PLF_PROBES_SCHEDULE?.trim();
  const image = env.PLF_PROBE_IMAGE?.trim();
  const pull = env.PLF_PROBE_PULL_IDENTITY_ID?.trim();
  return {
    schedule: schedule && /^\S+( \S+){5}$/.test(schedule) ? schedule : '0 * * * * *',
    image: image && IMAGE.test(image) ? image : DEFAULT_PROBE_IMAGE,
    connectTimeout: int(env.PLF_PROBE_CONNECT_TIMEOUT_SECONDS, 1, 60, 5),
    deadline: int(env.PLF_PROBE_DEADLINE_SECONDS, 5, 3600, 300),
    threshold: int(env.PLF_PROBE_FAILURE_THRESHOLD, 1, 100, 2),
    historyDays: int(env.PLF_PROBE_HISTORY_DAYS, 1, 365, 30),
    historyMax: int(env.PLF_PROBE_HISTORY_MAX, 1, 10_000, 500),
    groupMaxAge: int(env.PLF_PROBE_GROUP_MAX_AGE_SECONDS, 60, 86_400, 1800),
    sweepEvery: int(env.PLF_PROBE_SWEEP_SECONDS, 0, 86_400, 900),
    ...(pull && IDENTITY_ID.test(pull) ? { pullIdentityId: pull } : {}),
  };
}

/**
 * NCRONTAB of the reconcile sweep (PLF_RECONCILE_SCHEDULE, 6 fields, default every 2 minutes):
 * the timer that makes sure every forward has its reconcile orchestration running. A value that
 * is not 6 fields falls back to the default.
 */
export function reconcileSchedule(env: Env): string {
  const schedule = env.PLF_RECONCILE_SCHEDULE?.trim();
  return schedule && /^\S+( \S+){5}$/.test(schedule) ? schedule : '0 */2 * * * *';
}

/**
 * The connections flow's timing: `schedule` (NCRONTAB, PLF_CONNECTIONS_SCHEDULE, default every
 * 5 minutes) of the sweep that runs the same reconcile for every forward; `verify` seconds
 * (PLF_CONNECTIONS_VERIFY_SECONDS, default 3600) after which a pass re-reads a connection's
 * endpoint, NIC and records even when nothing announced a change; `linger` seconds
 * (PLF_CONNECTIONS_LINGER_SECONDS, default 60) a finished pass keeps listening for more events
 * before its orchestration ends.
 */
export function connectionsPassSeconds(env: Env): { schedule: string; verify: number; linger: number } {
  const schedule = env.PLF_CONNECTIONS_SCHEDULE?.trim();
  const int = (v: string | undefined, min: number, max: number, dflt: number) => {
    const n = Number(v);
    return v !== undefined && v.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : dflt;
  };
  return {
    schedule: schedule && /^\S+( \S+){5}$/.test(schedule) ? schedule : '0 */5 * * * *',
    verify: int(env.PLF_CONNECTIONS_VERIFY_SECONDS, 0, 7 * 86_400, 3600),
    linger: int(env.PLF_CONNECTIONS_LINGER_SECONDS, 1, 3600, 60),
  };
}

/**
 * Where telemetry goes: only when APPLICATIONINSIGHTS_CONNECTION_STRING is set (deployed; never
 * on the local stack). `clientId` is the identity that signs in to Application Insights when its
 * local auth is off, from APPLICATIONINSIGHTS_AUTHENTICATION_STRING (`ClientId=...;Authorization=AAD`).
 */
export function telemetryTarget(env: Env): { connectionString: string; aad: boolean; clientId?: string } | undefined {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString) return undefined;
  const auth = parseConnectionString(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? '');
  const aad = auth.authorization?.toLowerCase() === 'aad';
  return { connectionString, aad, ...(aad && auth.clientid ? { clientId: auth.clientid } : {}) };
}

/**
 * The health watch's settings (README "App settings"): `schedule` (NCRONTAB, PLF_HEALTH_SCHEDULE,
 * default every minute; 6 fields, so a 5-second schedule `*\/5 * * * * *` is accepted),
 * `unhealthySamples` (PLF_HEALTH_UNHEALTHY_SAMPLES, default 2: consecutive bad metric points),
 * `graceSeconds` (PLF_HEALTH_GRACE_SECONDS, default 300, 0 accepted), `recycleLimitPerHour`
 * (PLF_HEALTH_RECYCLE_LIMIT_PER_HOUR, default 3), `verifyPolls` (PLF_HEALTH_VERIFY_POLLS, default
 * 60: polls of a recycled node before it counts as still broken), `windowSeconds`
 * (PLF_HEALTH_WINDOW_SECONDS, default 900: the metric span read per sweep), `metricsEndpoint`
 * (PLF_METRICS_ENDPOINT: overrides `https://{region}.metrics.monitor.azure.com`; locally the
 * emulator), the NAT port threshold (PLF_NAT_PORTS_THRESHOLD_PERCENT, default 80) and cooldown
 * (PLF_NAT_PORTS_COOLDOWN_SECONDS, default 900), and `metricDelaySeconds`
 * (PLF_HEALTH_METRIC_DELAY_SECONDS, 1-3600, default DEFAULT_METRIC_DELAY_SECONDS).
 *
 * `metricDelaySeconds`: seconds from a metric point's timestamp until Azure Monitor has published it
 * in full. Points are stamped at their minute's start, the trailing minute is partial and Azure
 * aggregates late, publishing a minute's point minutes after it closed (azure-facts.md "Metrics";
 * Learn "Azure Monitor Metrics overview", learn.microsoft.com/azure/azure-monitor/essentials/
 * data-platform-metrics; the exact delay is undocumented): the health watch does not read later
 * points. Default: one grain (60 s) + 3 minutes. Locally the stack sets it to the emulator's grain
 * plus its publication delay. The grace default (300 s) covers it, so a new node's first points are
 * all published inside its grace period. `windowSeconds` must exceed it by `unhealthySamples` grains,
 * else no point is ever read (every node `unknown`).
 */
export const DEFAULT_METRIC_DELAY_SECONDS = 240;
export interface HealthSettings {
  schedule: string;
  unhealthySamples: number;
  graceSeconds: number;
  recycleLimitPerHour: number;
  verifyPolls: number;
  windowSeconds: number;
  metricsEndpoint?: string;
  natThresholdPercent: number;
  natCooldownSeconds: number;
  metricDelaySeconds: number;
}

export const DEFAULT_HEALTH_SCHEDULE = '0 * * * * *';

export function healthSettings(env: Env): HealthSettings {
  const int = (v: string | undefined, min: number, max: number, dflt: number) => {
    const n = Number(v);
    return v !== undefined && v.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : dflt;
  };
  const schedule = env.PLF_HEALTH_SCHEDULE?.trim();
  const endpoint = env.PLF_METRICS_ENDPOINT?.trim();
  return {
    schedule: schedule && /^\S+( \S+){5}$/.test(schedule) ? schedule : DEFAULT_HEALTH_SCHEDULE,
    unhealthySamples: int(env.PLF_HEALTH_UNHEALTHY_SAMPLES, 1, 60, 2),
    graceSeconds: int(env.PLF_HEALTH_GRACE_SECONDS, 0, 86_400, 300),
    recycleLimitPerHour: int(env.PLF_HEALTH_RECYCLE_LIMIT_PER_HOUR, 1, 100, 3),
    verifyPolls: int(env.PLF_HEALTH_VERIFY_POLLS, 1, 1000, 60),
    windowSeconds: int(env.PLF_HEALTH_WINDOW_SECONDS, 60, 86_400, 900),
    ...(endpoint ? { metricsEndpoint: endpoint.replace(/\/+$/, '') } : {}),
    natThresholdPercent: int(env.PLF_NAT_PORTS_THRESHOLD_PERCENT, 1, 100, 80),
    natCooldownSeconds: int(env.PLF_NAT_PORTS_COOLDOWN_SECONDS, 0, 86_400, 900),
    metricDelaySeconds: int(env.PLF_HEALTH_METRIC_DELAY_SECONDS, 1, 3600, DEFAULT_METRIC_DELAY_SECONDS),
  };
}

/** The metrics endpoint of a region (Azure Monitor metrics batch API), unless overridden. */
export function metricsEndpointFor(settings: Pick<HealthSettings, 'metricsEndpoint'>, region: string): string {
  return settings.metricsEndpoint ?? `https://${region.toLowerCase().replace(/\s+/g, '')}.metrics.monitor.azure.com`;
}
