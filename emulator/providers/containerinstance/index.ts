import { randomUUID } from 'node:crypto';
import { ArmError, invalidParameters, resourceNotFound } from '../../arm/errors';
import { longRunningAction } from '../../arm/actions';
import { isObject, storedResourceHandlers } from '../../arm/stored-resource';
import type { ArmContext, EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { traceAndLog } from '../../datapath/trace';
import { allocateIp, delegationsOf, refId, type Json } from '../network/common';
import type { EmulatorProvider } from '../provider';
import { parseProbeCommand, runProbe } from './probe-command';

/**
 * Container groups (Azure Container Instances) that run connectivity probes. A group injected in
 * a subnet (which must be delegated to Microsoft.ContainerInstance/containerGroups and be in the
 * group's subscription) gets an IP there; each container's command runs against the simulated
 * data path from that subnet. The containers are Running for `runMs` (control API
 * `PUT /_emulator/containerinstance/settings {runMs}`; default: the LRO delay), then Terminated
 * with the command's exit code; logs hold what busybox would print.
 */
const T_CG = 'Microsoft.ContainerInstance/containerGroups';
const DELEGATION = 'Microsoft.ContainerInstance/containerGroups';

interface Run {
  container: string;
  exitCode: number;
  logs: string;
  startTime: string;
  finishTime: string;
  /** Epoch ms when the container is Terminated. */
  doneAt: number;
}

interface CgInternal {
  runs: Run[];
  stopped?: boolean;
}

interface Settings {
  runMs?: number;
}

const settings = (emu: EmulatorRuntime) => emu.state.bag<Settings>('containerinstance.settings', () => ({}));
const runMs = (emu: EmulatorRuntime) => settings(emu).runMs ?? emu.options.lroDelayMs;

function containersOf(body: Json): { name: string; command: string[]; image: string }[] {
  const props = (body.properties ?? {}) as Json;
  return ((props.containers as Json[]) ?? []).map((c) => {
    const p = (c.properties ?? {}) as Json;
    return { name: String(c.name), command: Array.isArray(p.command) ? (p.command as string[]) : [], image: String(p.image ?? '') };
  });
}

function validate(ctx: ArmContext, body: Json, id: string): string[] {
  const problems: string[] = [];
  const props = (isObject(body.properties) ? body.properties : {}) as Json;
  const containers = props.containers;
  if (!Array.isArray(containers) || containers.length === 0) problems.push('The container group must have at least one container.');
  else
    (containers as Json[]).forEach((c, i) => {
      const p = (isObject(c.properties) ? c.properties : {}) as Json;
      if (typeof c.name !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(c.name)) problems.push(`containers[${i}].name must be lowercase letters, digits and hyphens.`);
      if (typeof p.image !== 'string' || !p.image) problems.push(`containers[${i}].properties.image is required.`);
      const req = ((p.resources as Json | undefined)?.requests ?? {}) as Json;
      if (typeof req.cpu !== 'number' || typeof req.memoryInGB !== 'number') problems.push(`containers[${i}].properties.resources.requests needs cpu and memoryInGB.`);
      if (p.command !== undefined && (!Array.isArray(p.command) || (p.command as unknown[]).some((x) => typeof x !== 'string'))) problems.push(`containers[${i}].properties.command must be a list of strings.`);
    });
  if (props.osType !== 'Linux' && props.osType !== 'Windows') problems.push("The 'osType' property must be Linux or Windows.");
  if (props.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(props.restartPolicy))) problems.push("The 'restartPolicy' property must be Always, OnFailure or Never.");
  const subnets = (props.subnetIds as Json[] | undefined) ?? [];
  if (subnets.length > 1) problems.push('Only one subnet per container group is supported.');
  for (const s of subnets) {
    const sid = refId(s);
    const subnet = sid ? ctx.emu.state.get(sid) : undefined;
    if (!subnet) {
      problems.push(`Subnet ${sid ?? '(missing id)'} referenced by the container group was not found.`);
      continue;
    }
    if (!delegationsOf(subnet).includes(DELEGATION)) problems.push(`Subnet ${sid} is not delegated to ${DELEGATION}.`);
    if (subnet.subscriptionId.toLowerCase() !== id.split('/')[2].toLowerCase()) problems.push(`Subnet ${sid} is in another subscription than the container group; Azure requires the same subscription.`);
  }
  return problems;
}

function subnetOf(cg: StoredResource): string | undefined {
  return refId((((cg.body.properties ?? {}) as Json).subnetIds as Json[] | undefined)?.[0]);
}

/** Runs every container's command now; they finish `runMs` later. */
function start(emu: EmulatorRuntime, cg: StoredResource): void {
  const from = subnetOf(cg);
  const now = Date.now();
  const runs: Run[] = containersOf(cg.body).map((c) => {
    const parsed = parseProbeCommand(c.command);
    let exitCode: number;
    let logs: string;
    if (!parsed.ok) {
      exitCode = 127;
      logs = `emulator: ${parsed.message}\n`;
    } else if (!from) {
      exitCode = 1;
      logs = `nc: ${parsed.nc.host} (${parsed.nc.host}:${parsed.nc.port}): Network is unreachable (the emulator simulates VNet-injected groups only: set subnetIds)\n`;
    } else {
      const verdict = traceAndLog(emu, from, parsed.nc.host, parsed.nc.port, cg.id);
      const run = runProbe(parsed.nc, verdict);
      exitCode = run.exitCode;
      logs = run.stdout + run.stderr;
    }
    const doneAt = now + runMs(emu);
    return { container: c.name, exitCode, logs, startTime: new Date(now).toISOString(), finishTime: new Date(doneAt).toISOString(), doneAt };
  });
  (cg.internal as unknown as CgInternal).runs = runs;
  delete (cg.internal as unknown as CgInternal).stopped;
}

function instanceViewOf(cg: StoredResource, container: string): Json {
  const internal = cg.internal as unknown as CgInternal;
  const run = internal.runs?.find((r) => r.container === container);
  if (!run) return { restartCount: 0, currentState: { state: 'Waiting', detailStatus: '' }, events: [] };
  const done = internal.stopped || run.doneAt <= Date.now();
  return {
    restartCount: 0,
    currentState: done
      ? { state: 'Terminated', startTime: run.startTime, exitCode: run.exitCode, finishTime: run.finishTime, detailStatus: run.exitCode === 0 ? 'Completed' : 'Error' }
      : { state: 'Running', startTime: run.startTime, detailStatus: '' },
    events: [{ count: 1, firstTimestamp: run.startTime, lastTimestamp: run.startTime, name: 'Started', message: `Started container ${container}`, type: 'Normal' }],
  };
}

function groupState(cg: StoredResource): string {
  const internal = cg.internal as unknown as CgInternal;
  if (internal.stopped) return 'Stopped';
  const runs = internal.runs ?? [];
  if (runs.some((r) => r.doneAt > Date.now())) return 'Running';
  return runs.every((r) => r.exitCode === 0) ? 'Succeeded' : 'Failed';
}

const stored = storedResourceHandlers({
  type: T_CG,
  longRunning: true,
  tracked: true,
  patch: 'tags',
  provisioningState: true,
  build(ctx, { body, existing, id }) {
    const problems = validate(ctx, body, id);
    if (problems.length) throw invalidParameters(problems);
    const props = { ...((body.properties ?? {}) as Json) };
    delete props.provisioningState;
    delete props.instanceView;
    return {
      body: {
        ...(body.zones ? { zones: body.zones } : {}),
        properties: { restartPolicy: 'Always', sku: 'Standard', ...props },
      },
      internal: { runs: (existing?.internal as unknown as CgInternal | undefined)?.runs ?? [] },
    };
  },
  afterWrite(ctx, r, previous) {
    const sid = subnetOf(r);
    if (sid && !previous) {
      const subnet = ctx.emu.state.get(sid)!;
      const ip = allocateIp(ctx.emu, subnet, r.id);
      (r.body.properties as Json).ipAddress = { type: 'Private', ip, ports: [] };
    }
    // A create or an update restarts the group (ACI recreates containers on update).
    start(ctx.emu, r);
  },
  render(_ctx, r, out) {
    const props = { ...((out.properties ?? {}) as Json) };
    props.containers = ((props.containers as Json[]) ?? []).map((c) => ({ ...c, properties: { ...((c.properties ?? {}) as Json), instanceView: instanceViewOf(r, String(c.name)) } }));
    props.instanceView = { state: groupState(r), events: [] };
    return { ...out, properties: props };
  },
});

function requireGroup(ctx: ArmContext): StoredResource {
  const p = ctx.req.path;
  const cg = ctx.emu.state.get(p.id.split('/').slice(0, 9).join('/'));
  if (!cg) throw resourceNotFound(T_CG, p.names[0], p.resourceGroup);
  return cg;
}

export const provider: EmulatorProvider = {
  name: 'containerinstance',
  resourceTypes: [
    {
      ...stored,
      actions: {
        start: (ctx) => {
          const cg = requireGroup(ctx);
          return longRunningAction(ctx, { resourceId: cg.id, resourceType: T_CG, action: 'start', location: String(cg.body.location), run: () => start(ctx.emu, cg) });
        },
        stop: (ctx) => {
          const cg = requireGroup(ctx);
          (cg.internal as unknown as CgInternal).stopped = true;
          ctx.emu.events.publishResource({ kind: 'action', action: 'stop', resourceId: cg.id, resourceType: T_CG, subscriptionId: cg.subscriptionId, tenantId: ctx.emu.options.tenantId });
          return { status: 204 };
        },
        restart: (ctx) => {
          const cg = requireGroup(ctx);
          return longRunningAction(ctx, { resourceId: cg.id, resourceType: T_CG, action: 'restart', location: String(cg.body.location), run: () => start(ctx.emu, cg) });
        },
      },
    },
    {
      type: `${T_CG}/containers/logs`,
      list(ctx) {
        const cg = requireGroup(ctx);
        const name = ctx.req.path.names[1];
        const run = (cg.internal as unknown as CgInternal).runs?.find((r) => r.container === name);
        if (!containersOf(cg.body).some((c) => c.name === name)) throw new ArmError(404, 'ContainerNotFound', `The container '${name}' is not found in container group '${cg.name}'.`);
        return { status: 200, body: { content: run?.logs ?? '' } };
      },
    },
  ],
  control: [
    {
      method: 'PUT',
      pattern: /^\/containerinstance\/settings$/,
      handle(ctx) {
        const b = ctx.body as Json;
        if (!isObject(b) || !Number.isInteger(b.runMs) || (b.runMs as number) < 0) throw invalidParameters(['Body must be {"runMs": <integer >= 0>}.']);
        settings(ctx.emu).runMs = b.runMs as number;
        return { status: 200, body: { runMs: b.runMs, id: randomUUID() } };
      },
    },
  ],
};
