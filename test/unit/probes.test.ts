import {
  afterRun,
  containerExit,
  everyMs,
  failingStage,
  isDue,
  nextRunAt,
  parsePortLog,
  probeContainers,
  probeGroupName,
  probeGroupPlacement,
  probeInstanceId,
  probeKey,
  probesSection,
  probeTarget,
  runOutcome,
  type PortResult,
  type ProbeRunResult,
  type ProbeState,
} from '../../core/probes';
import { probeSettings, DEFAULT_PROBE_IMAGE } from '../../core/app-settings';
import { containerViewOf, lroFailure, probeGroupBody, pullFailure, registryOf } from '../../azure/container-group/service';
import { emptyStatus, withProbes } from '../../core/status';
import { classify } from '../../azure/errors';

const VNET = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke';
const SUBNET = `${VNET}/subnets/jump`;
const H = 'onprem-server.internal.net (10.1.0.4:8000)';
const OPEN = `${H} open`;
const SENT = 'sent 0, rcvd 0';
const STATUS = (n: number) => `Command exited with non-zero status ${n}`;
const REAL = (s: string) => `real\t${s}\nuser\t0m 0.00s\nsys\t0m 0.00s`;

/**
 * What `time nc -zvv -w 5 HOST PORT` prints, byte for byte as busybox 1.36.1 prints it
 * (networking/nc_bloaty.c nc_main; libbb/xconnect.c str2sockaddr; miscutils/time.c summarize):
 * the same text the emulator's containers print (test/emulator/containerinstance/probe-command.test.ts).
 */
describe('parsePortLog: what a probe container printed, by situation', () => {
  const cases: [string, number | undefined, string, Partial<PortResult>][] = [
    ['the port is open, with its timing', 0, `${OPEN}\n${SENT}\n${REAL('0m 0.01s')}\n`, { ok: true, latencyMs: 10 }],
    ['a slow open (minutes and seconds)', 0, `${OPEN}\n${SENT}\n${REAL('1m 2.50s')}`, { ok: true, latencyMs: 62_500 }],
    ['an open taking hours (time switches to h m s)', 0, `${OPEN}\n${SENT}\n${REAL('1h 2m 03s')}`, { ok: true, latencyMs: 3_723_000 }],
    ['CRLF line ends', 0, `${OPEN}\r\n${SENT}\r\n${REAL('0m 0.20s')}\r\n`, { ok: true, latencyMs: 200 }],
    ['the name does not resolve', 1, `nc: bad address 'onprem-server.internal.net'\n${STATUS(1)}\n${REAL('0m 0.00s')}\n`, { ok: false, stage: 'dns', latencyMs: 0 }],
    ['a reset: refused (a target verdict, not infrastructure)', 1, `nc: ${H}: Connection refused\n${SENT}\n${STATUS(1)}\n${REAL('0m 0.01s')}\n`, { ok: false, stage: 'connect', connect: 'refused', latencyMs: 10 }],
    ['silence: timed out after -w', 1, `nc: ${H}: Connection timed out\n${SENT}\n${STATUS(1)}\n${REAL('0m 5.00s')}\n`, { ok: false, stage: 'connect', connect: 'timeout', latencyMs: 5000 }],
    ['a timeout without a timing line (still a connect verdict)', 1, `nc: ${H}: Connection timed out`, { ok: false, stage: 'connect', connect: 'timeout' }],
    ['refused at -v (no nc line, busybox stays silent): no verdict, infrastructure', 1, `${STATUS(1)}\n${REAL('0m 0.01s')}\n`, { ok: false, stage: 'infrastructure' }],
    ['the status line contradicts the exit code', 1, `nc: ${H}: Connection refused\n${SENT}\n${STATUS(2)}\n${REAL('0m 0.01s')}\n`, { ok: false, stage: 'infrastructure' }],
    ['a status line with exit 0', 0, `${OPEN}\n${SENT}\n${STATUS(1)}\n${REAL('0m 0.01s')}\n`, { ok: false, stage: 'infrastructure' }],
    ['the probe killed by a signal', 137, `Command terminated by signal 9\n${REAL('0m 3.00s')}\n`, { ok: false, stage: 'infrastructure', detail: 'the probe was killed: Command terminated by signal 9' }],
    ['the command is missing in the image (exit 127)', 127, 'sh: nc: not found', { ok: false, stage: 'infrastructure' }],
    ['no output at all', 0, '', { ok: false, stage: 'infrastructure' }],
    ['truncated: open but the timing line cut off', 0, `${OPEN}\n${SENT}`, { ok: false, stage: 'infrastructure' }],
    ['truncated: only half a line', 1, 'nc: onprem-server.internal.net (10.1.0', { ok: false, stage: 'infrastructure' }],
    ['garbage bytes', 0, '\u0000\u0001\u00ff\u001b[31mzzz', { ok: false, stage: 'infrastructure' }],
    ['exit 0 contradicts a failure line', 0, "nc: bad address 'x.y'\n" + REAL('0m 0.00s'), { ok: false, stage: 'infrastructure' }],
    ['a failed exit contradicts an open line', 1, `${OPEN}\n${SENT}\n${STATUS(1)}\n${REAL('0m 0.01s')}`, { ok: false, stage: 'infrastructure' }],
    ['two verdict lines', 1, `${OPEN}\nnc: x (1.2.3.4:8000): Connection refused\n${REAL('0m 0.01s')}`, { ok: false, stage: 'infrastructure' }],
    ['an open line for another port', 0, `h.example.net (10.1.0.4:9000) open\n${SENT}\n${REAL('0m 0.01s')}`, { ok: false, stage: 'infrastructure' }],
    ['the container never terminated', undefined, OPEN, { ok: false, stage: 'infrastructure', detail: 'the container did not terminate' }],
  ];
  it.each(cases)('%s', (_name, exit, log, expected) => {
    const r = parsePortLog(8000, exit, log);
    expect(r).toMatchObject({ port: 8000, ...expected });
    if (expected.ok) expect(r.stage).toBeUndefined();
    if (expected.stage !== 'connect') expect(r.connect).toBeUndefined();
  });

  it('details are printable and bounded, whatever the container printed', () => {
    const r = parsePortLog(8000, 1, `\u0007${'x'.repeat(5000)}`);
    expect(r.detail.length).toBeLessThanOrEqual(200);
    expect(r.detail).toMatch(/^[\x20-\x7e…]+$/);
  });
});

describe('containerExit: whether a probe container terminated, even when ACI restarted it (ACI-13)', () => {
  const T = (exitCode: number) => ({ state: 'Terminated', exitCode, startTime: new Date(0), finishTime: new Date(1000), detailStatus: exitCode ? 'Error' : 'Completed' });
  it.each<[string, Parameters<typeof containerViewOf>[0], { exitCode?: number } | undefined]>([
    ['still running its first run', { restartCount: 0, currentState: { state: 'Running', startTime: new Date(0) } }, undefined],
    ['waiting to start (pulling)', { restartCount: 0, currentState: { state: 'Waiting', detailStatus: '' } }, undefined],
    ['no instance view yet', undefined, undefined],
    ['terminated with exit 0', { restartCount: 0, currentState: T(0) }, { exitCode: 0 }],
    ['terminated with exit 1 (restartPolicy Never kept)', { restartCount: 0, currentState: T(1) }, { exitCode: 1 }],
    ['exit 1, waiting in back-off for the platform to restart it: the previous state decides', { restartCount: 0, currentState: { state: 'Waiting', detailStatus: 'CrashLoopBackOff: Back-off restarting failed' }, previousState: T(1) }, { exitCode: 1 }],
    ['exit 1, restarted by the platform and running again: the previous state decides, no deadline wait', { restartCount: 1, currentState: { state: 'Running', startTime: new Date(2000) }, previousState: T(1) }, { exitCode: 1 }],
    ['restarted and terminated again: the current state (the log listLogs returns is of this run)', { restartCount: 1, currentState: T(1), previousState: T(1) }, { exitCode: 1 }],
    ['terminated without an exit code: terminated, the exit left for parsePortLog to name', { restartCount: 0, currentState: { state: 'Terminated' } }, {}],
  ])('%s', (_situation, view, expected) => {
    expect(containerExit(containerViewOf(view))).toEqual(expected);
  });

  it('a rerun of the refused probe prints the same lines: the first exit and the latest log give the same verdict', () => {
    const log = `nc: ${H}: Connection refused\n${SENT}\n${STATUS(1)}\n${REAL('0m 0.01s')}\n`;
    const exit = containerExit(containerViewOf({ restartCount: 1, currentState: { state: 'Running' }, previousState: T(1) }));
    expect(parsePortLog(8000, exit?.exitCode, log)).toMatchObject({ ok: false, stage: 'connect', connect: 'refused' });
  });
});

describe('run outcome and failing stage', () => {
  const ok: PortResult = { port: 1, ok: true, latencyMs: 1, detail: '' };
  const dns: PortResult = { port: 2, ok: false, stage: 'dns', detail: '' };
  const refused: PortResult = { port: 3, ok: false, stage: 'connect', connect: 'refused', detail: '' };
  const infra: PortResult = { port: 4, ok: false, stage: 'infrastructure', detail: '' };
  it.each([
    ['every port ok', [ok, ok], 'ok'],
    ['one port refused', [ok, refused], 'failed'],
    ['only infrastructure failures', [ok, infra], 'infrastructure'],
    ['no ports at all', [], 'infrastructure'],
  ] as [string, PortResult[], string][])('%s -> %s', (_n, ports, outcome) => expect(runOutcome(ports)).toBe(outcome));
  it.each([
    ['connect with its kind', { outcome: 'failed', ports: [ok, refused] }, 'connect (refused)'],
    ['dns before infrastructure', { outcome: 'failed', ports: [infra, dns] }, 'dns'],
    ['the deadline', { outcome: 'deadline', ports: [infra] }, 'deadline'],
    ['an ARM code', { outcome: 'infrastructure', ports: [], code: 'QuotaExceeded' }, 'infrastructure (QuotaExceeded)'],
  ] as [string, Pick<ProbeRunResult, 'outcome' | 'ports' | 'code'>, string][])('%s', (_n, r, stage) => expect(failingStage(r)).toBe(stage));
});

describe('probeTarget: only validated values', () => {
  const approved = { state: 'Approved', virtualNetworkId: VNET, ip: '10.1.0.4' };
  it.each([
    ['dns with zoneName: the record FQDN', { dns: { zoneName: 'internal.net', recordName: 'onprem' }, endpoints: [], vnetId: VNET }, { ok: true, host: 'onprem.internal.net' }],
    ['dns with zoneIds only: the first zone', { dns: { zoneIds: ['/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/corp.example'], recordName: 'db' }, endpoints: [], vnetId: VNET }, { ok: true, host: 'db.corp.example' }],
    ['no dns: the approved endpoint in the probe VNet', { endpoints: [approved], vnetId: VNET.toUpperCase() }, { ok: true, host: '10.1.0.4' }],
    ['no dns, the endpoint in another VNet', { endpoints: [approved], vnetId: `${VNET}2` }, { ok: false, reason: 'NoEndpoint' }],
    ['no dns, the endpoint still Pending', { endpoints: [{ ...approved, state: 'Pending' }], vnetId: VNET }, { ok: false, reason: 'NoEndpoint' }],
    ['no dns, an IP that is not an IPv4 address', { endpoints: [{ ...approved, ip: '10.1.0.4; reboot' }], vnetId: VNET }, { ok: false, reason: 'NoEndpoint' }],
    ['a record name that would not be a DNS name', { dns: { zoneName: 'internal.net', recordName: 'a b' }, endpoints: [], vnetId: VNET }, { ok: false, reason: 'InvalidTarget' }],
  ] as [string, Parameters<typeof probeTarget>[0], object][])('%s', (_n, input, expected) => expect(probeTarget(input)).toMatchObject(expected));
});

describe('probeContainers: one argv per port, no shell', () => {
  it('a container per port running time nc -zvv -w (-vv: busybox prints a refusal only above one -v)', () => {
    expect(probeContainers('onprem.internal.net', [8000, 8443], 5)).toEqual([
      { name: 'p8000', port: 8000, command: ['time', 'nc', '-zvv', '-w', '5', 'onprem.internal.net', '8000'] },
      { name: 'p8443', port: 8443, command: ['time', 'nc', '-zvv', '-w', '5', 'onprem.internal.net', '8443'] },
    ]);
  });
  it.each([
    ['a host with shell characters', () => probeContainers('a.b;rm -rf /', [80], 5)],
    ['a host with a command substitution', () => probeContainers('$(id).example.net', [80], 5)],
    ['port 0', () => probeContainers('a.example', [0], 5)],
    ['a fractional port', () => probeContainers('a.example', [80.5], 5)],
    ['a zero timeout', () => probeContainers('a.example', [80], 0)],
  ])('refuses %s', (_n, f) => expect(f).toThrow(/refusing/));
});

describe('names of a probe and a run', () => {
  it('the probe key is stable and ignores case; the instance id holds forward and key', () => {
    expect(probeKey(SUBNET)).toBe(probeKey(SUBNET.toUpperCase()));
    expect(probeKey(SUBNET)).not.toBe(probeKey(`${VNET}/subnets/other`));
    expect(probeInstanceId('web', SUBNET)).toBe(`probe:web:${probeKey(SUBNET)}`);
  });
  it('the group name fits ARM limits with the longest forward name', () => {
    const name = probeGroupName('a'.repeat(40), 'ABCDEF01-2345-6789-abcd-ef0123456789');
    expect(name).toBe(`plfp-${'a'.repeat(40)}-abcdef012345`);
    expect(name.length).toBeLessThanOrEqual(63);
  });
});

describe('where the container group goes', () => {
  it.each([
    ["the subnet's subscription and resource group", SUBNET, undefined, { subscriptionId: '00000000-0000-0000-0000-00000000c001', resourceGroup: 'rg-spoke' }],
    ['probes[].resourceGroup overrides the resource group, never the subscription', SUBNET, 'rg-probes', { subscriptionId: '00000000-0000-0000-0000-00000000c001', resourceGroup: 'rg-probes' }],
    ['not a subnet id', VNET, undefined, undefined],
  ] as [string, string, string | undefined, object | undefined][])('%s', (_n, subnetId, rg, expected) => expect(probeGroupPlacement(subnetId, rg)).toEqual(expected));
});

describe('schedule', () => {
  const added = '2026-01-01T00:00:00.000Z';
  it.each([
    ['a new probe: one every after it was added', 'PT15M', { addedAt: added }, '2026-01-01T00:15:00.000Z'],
    ['after a run (scheduled or manual): one every after it', 'PT15M', { addedAt: added, lastRunAt: '2026-01-01T00:07:00.000Z' }, '2026-01-01T00:22:00.000Z'],
    ['a daily probe', 'P1D', { addedAt: added }, '2026-01-02T00:00:00.000Z'],
    ['an unreadable interval: never', 'every 5', { addedAt: added }, undefined],
  ] as [string, string, { addedAt: string; lastRunAt?: string }, string | undefined][])('%s', (_n, every, st, next) => expect(nextRunAt(every, st)).toBe(next));
  it.each([
    ['not yet due', '2026-01-01T00:14:59.000Z', false, false],
    ['due', '2026-01-01T00:15:00.000Z', false, true],
    ['long overdue (one run, not one per missed slot)', '2026-01-01T05:00:00.000Z', false, true],
    ['due but the last run still runs: skipped, not stacked', '2026-01-01T00:20:00.000Z', true, false],
  ])('%s', (_n, now, running, due) => expect(isDue('PT15M', { addedAt: added }, now, running)).toBe(due));
  it('durations', () => {
    expect(everyMs('PT5M')).toBe(300_000);
    expect(everyMs('P1DT1H')).toBe(90_000_000);
    expect(everyMs('PT')).toBeUndefined();
  });
});

describe('probes section: Reachable', () => {
  const now = '2026-01-01T01:00:00.000Z';
  const state = (over: Partial<ProbeState> = {}): ProbeState & { every: string } => ({ subnetId: SUBNET, probeKey: probeKey(SUBNET), addedAt: '2026-01-01T00:00:00.000Z', consecutiveFailures: 0, every: 'PT15M', ...over });
  const result = (outcome: ProbeRunResult['outcome'], ports: PortResult[] = [], code?: string): ProbeRunResult => ({
    runId: 'r1', forward: 'web', subnetId: SUBNET, probeKey: probeKey(SUBNET), actor: 'schedule', startedAt: '2026-01-01T00:30:00.000Z', finishedAt: '2026-01-01T00:30:05.000Z', outcome, ports, ...(code ? { code, detail: 'why' } : {}),
  });
  const timeout: PortResult = { port: 8000, ok: false, stage: 'connect', connect: 'timeout', detail: '' };
  const okPort: PortResult = { port: 8000, ok: true, latencyMs: 3, detail: '' };
  const reachable = (s: ReturnType<typeof probesSection>) => s.conditions.find((c) => c.type === 'Reachable');

  it('no run yet: Unknown NoRuns, the probe listed with its first run and no result', () => {
    const s = probesSection([], [state()], 2, now, 1);
    expect(reachable(s)).toMatchObject({ status: 'Unknown', reason: 'NoRuns' });
    expect(s.probes).toEqual([{ subnetId: SUBNET, nextRunAt: '2026-01-01T00:15:00.000Z' }]);
  });
  it('every probe passed its last run: True, with each probe last result and next run', () => {
    const s = probesSection([], [{ ...afterRun(state(), result('ok', [okPort])), every: 'PT15M' }], 2, now, 1);
    expect(reachable(s)).toMatchObject({ status: 'True', reason: 'ProbesPassing' });
    expect(s.probes).toEqual([expect.objectContaining({ subnetId: SUBNET, outcome: 'ok', nextRunAt: '2026-01-01T00:15:00.000Z' })]);
  });
  it('one failure after True: still True (below the threshold)', () => {
    const prev = probesSection([], [{ ...afterRun(state(), result('ok', [okPort])), every: 'PT15M' }], 2, now, 1).conditions;
    const s = probesSection(prev, [{ ...afterRun(state(), result('failed', [timeout])), every: 'PT15M' }], 2, now, 1);
    expect(reachable(s)).toMatchObject({ status: 'True' });
  });
  it('two failures in a row: False with the failing stage in reason and message', () => {
    const once = afterRun(state(), result('failed', [timeout]));
    const twice = afterRun(once, result('failed', [timeout]));
    expect(twice.consecutiveFailures).toBe(2);
    const c = reachable(probesSection([], [{ ...twice, every: 'PT15M' }], 2, now, 1));
    expect(c).toMatchObject({ status: 'False', reason: 'ConnectFailed' });
    expect(c!.message).toMatch(/failed 2 runs in a row; last at .*: stage connect \(timeout\) on port\(s\) 8000/);
  });
  it('a passing run after failures: True again and the count reset', () => {
    const back = afterRun(afterRun(afterRun(state(), result('failed', [timeout])), result('failed', [timeout])), result('ok', [okPort]));
    expect(back.consecutiveFailures).toBe(0);
    expect(reachable(probesSection([], [{ ...back, every: 'PT15M' }], 2, now, 1))).toMatchObject({ status: 'True' });
  });
  it('the subnet not delegated: False at once with that reason', () => {
    const s = afterRun(state(), result('infrastructure', [], 'SubnetNotDelegated'));
    expect(reachable(probesSection([], [{ ...s, every: 'PT15M' }], 2, now, 1))).toMatchObject({ status: 'False', reason: 'SubnetNotDelegated' });
  });
  it('an ARM failure counts like any failure: False after two, with the code', () => {
    const s = afterRun(afterRun(state(), result('infrastructure', [], 'QuotaExceeded')), result('infrastructure', [], 'QuotaExceeded'));
    const c = reachable(probesSection([], [{ ...s, every: 'PT15M' }], 2, now, 1));
    expect(c).toMatchObject({ status: 'False', reason: 'InfrastructureFailed' });
    expect(c!.message).toMatch(/QuotaExceeded/);
  });
  it('recording a run clears its in-progress mark, and keeps the mark of a newer run', () => {
    const marked = { ...state(), running: { runId: 'r1', startedAt: '2026-01-01T00:30:00.000Z' } };
    expect(afterRun(marked, result('ok', [okPort])).running).toBeUndefined();
    const newer = { ...state(), running: { runId: 'r2', startedAt: '2026-01-01T00:45:00.000Z' } };
    expect(afterRun(newer, result('ok', [okPort])).running).toEqual(newer.running);
  });
  it('an interrupted run neither counts as a failure nor resets the count', () => {
    const once = afterRun(state(), result('failed', [timeout]));
    expect(afterRun(once, result('interrupted')).consecutiveFailures).toBe(1);
  });
  it('threshold 1: False after one failure', () => {
    expect(reachable(probesSection([], [{ ...afterRun(state(), result('deadline', [])), every: 'PT15M' }], 1, now, 1))).toMatchObject({ status: 'False', reason: 'DeadlineExceeded' });
  });
});

describe('probe settings', () => {
  it('defaults', () => {
    expect(probeSettings({})).toEqual({ schedule: '0 * * * * *', image: DEFAULT_PROBE_IMAGE, connectTimeout: 5, deadline: 300, threshold: 2, historyDays: 30, historyMax: 500, groupMaxAge: 1800, sweepEvery: 900 });
  });
  it.each([
    ['a private registry image', { PLF_PROBE_IMAGE: 'myregistry.azurecr.io/tools/busybox:1.36' }, { image: 'myregistry.azurecr.io/tools/busybox:1.36' }],
    ['an image with shell characters falls back to the default', { PLF_PROBE_IMAGE: 'busybox;id' }, { image: DEFAULT_PROBE_IMAGE }],
    ['a threshold out of range falls back', { PLF_PROBE_FAILURE_THRESHOLD: '0' }, { threshold: 2 }],
    ['a five-field schedule falls back', { PLF_PROBES_SCHEDULE: '* * * * *' }, { schedule: '0 * * * * *' }],
  ] as [string, Record<string, string>, object][])('%s', (_n, env, expected) => expect(probeSettings(env)).toMatchObject(expected));
});

describe('the container group body', () => {
  const base = { subscriptionId: 's', resourceGroup: 'rg', name: 'plfp-web-0123456789ab', location: 'westeurope', subnetId: SUBNET, forward: 'web', runId: 'r-1', probeKey: 'k', containers: probeContainers('onprem.internal.net', [8000], 5) };
  const IDENTITY = '/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.ManagedIdentity/userAssignedIdentities/plf-probe-pull';
  it('restartPolicy Never, the smallest resources, our tags, the subnet, no registry credentials for the public image', () => {
    const b = probeGroupBody({ ...base, image: DEFAULT_PROBE_IMAGE });
    expect(b).toMatchObject({ osType: 'Linux', restartPolicy: 'Never', subnetIds: [{ id: SUBNET }], tags: { 'managed-by': 'plf', 'plf-forward': 'web', 'plf-probe-run': 'r-1', 'plf-probe': 'k' } });
    expect(b.containers[0].resources.requests).toEqual({ cpu: 0.1, memoryInGB: 0.1 });
    expect(b.identity).toBeUndefined();
    expect(b.imageRegistryCredentials).toBeUndefined();
  });
  it.each([
    ['the VNet has custom DNS servers: dnsConfig names them (the group does not inherit them)', ['10.0.1.4', '10.0.1.5'], { nameServers: ['10.0.1.4', '10.0.1.5'] }],
    ['no custom DNS servers: no dnsConfig (Azure-provided DNS, as the VNet)', [], undefined],
  ] as [string, string[], object | undefined][])('%s', (_n, dnsServers, dnsConfig) => {
    expect(probeGroupBody({ ...base, image: DEFAULT_PROBE_IMAGE, dnsServers }).dnsConfig).toEqual(dnsConfig);
  });
  it('the default image is pinned by digest', () => {
    expect(DEFAULT_PROBE_IMAGE).toMatch(/^mcr\.microsoft\.com\/azurelinux\/busybox@sha256:[0-9a-f]{64}$/);
    expect(probeSettings({}).image).toBe(DEFAULT_PROBE_IMAGE);
  });
  it('a private registry with a pull identity: the identity on the group and as the registry credential', () => {
    const b = probeGroupBody({ ...base, image: 'plfacr.azurecr.io/probes/busybox:1.36', pullIdentityId: IDENTITY });
    expect(b.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { [IDENTITY]: {} } });
    expect(b.imageRegistryCredentials).toEqual([{ server: 'plfacr.azurecr.io', identity: IDENTITY }]);
  });
  it.each([
    ['mcr.microsoft.com/azurelinux/busybox:1.36', 'mcr.microsoft.com'],
    [DEFAULT_PROBE_IMAGE, 'mcr.microsoft.com'],
    ['plfacr.azurecr.io/probes/busybox:1.36', 'plfacr.azurecr.io'],
    ['localhost:5000/busybox', 'localhost:5000'],
    ['library/busybox', undefined],
    ['busybox', undefined],
  ])('the registry of %s', (image, server) => expect(registryOf(image)).toBe(server));
  it('the pull identity setting must be a user-assigned identity id', () => {
    expect(probeSettings({ PLF_PROBE_PULL_IDENTITY_ID: IDENTITY }).pullIdentityId).toBe(IDENTITY);
    expect(probeSettings({ PLF_PROBE_PULL_IDENTITY_ID: 'plf-probe-pull' }).pullIdentityId).toBeUndefined();
  });
});

describe('an image pull failure in the container events', () => {
  const pulling = { name: 'Pulling', type: 'Normal', message: 'pulling image "mcr.microsoft.com/x:1"' };
  const failed = { name: 'Failed', type: 'Warning', message: 'Failed to pull image "mcr.microsoft.com/x:1": rpc error: code 2 desc Error: image x:1 not found' };
  const backoff = { name: 'BackOff', type: 'Normal', message: 'Back-off pulling image "mcr.microsoft.com/x:1"' };
  it.each([
    ['Pulling / Failed / BackOff while ACI retries (Learn): the Failed message', [pulling, failed, backoff], failed.message],
    ['still pulling, nothing failed yet', [pulling], undefined],
    ['pulled and started', [pulling, { name: 'Pulled', type: 'Normal', message: 'Successfully pulled image "x"' }, { name: 'Started', type: 'Normal', message: 'Started container p8000' }], undefined],
    ['a Failed event about something else', [{ name: 'Failed', type: 'Warning', message: 'Error: failed to start container' }], undefined],
  ] as [string, { name: string; type?: string; message?: string }[], string | undefined][])('%s', (_n, events, message) => expect(pullFailure(events)).toBe(message));
});

describe('a container group deployment that failed during the first poll', () => {
  it.each([
    ['with an ARM code', new Error('The long-running operation has failed. InaccessibleImage. image pull failed'), 'InaccessibleImage'],
    ['without one', new Error('The long-running operation has failed.'), 'DeploymentFailed'],
  ])('%s: classified terminal with that code', (_n, err, code) => {
    const e = lroFailure(err)!;
    expect(e.code).toBe(code);
    expect(classify(e)).toMatchObject({ kind: 'terminal', code });
  });
  it('an HTTP error or another failure is left alone', () => {
    expect(lroFailure(Object.assign(new Error('The long-running operation has failed.'), { statusCode: 409 }))).toBeUndefined();
    expect(lroFailure(new Error('socket hang up'))).toBeUndefined();
  });
});

describe('withProbes: the probes section in the status GET shows', () => {
  const reachable = { type: 'Reachable' as const, status: 'False' as const, reason: 'ConnectFailed' as const, message: 'm', lastTransitionTime: 't', observedGeneration: 1 };
  it('no section: the status as it is', () => {
    const st = emptyStatus();
    expect(withProbes(st, undefined)).toBe(st);
  });
  it("its conditions after the others, replacing a stale one of the same type, and each probe's last result", () => {
    const st = { ...emptyStatus(), conditions: [{ type: 'Ready' as const, status: 'True' as const, reason: 'Reconciled' as const, message: '', lastTransitionTime: 't', observedGeneration: 1 }, { ...reachable, status: 'True' as const }] };
    const shown = withProbes(st, { conditions: [reachable], probes: [{ subnetId: SUBNET, runId: 'r', at: 't', outcome: 'failed', ports: [] }] });
    expect(shown.conditions.map((c) => [c.type, c.status])).toEqual([['Ready', 'True'], ['Reachable', 'False']]);
    expect(shown.probes).toHaveLength(1);
  });
});
