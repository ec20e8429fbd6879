import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { argProblems, describeChanges, settled, settledLine } from '../../scripts/watch';
import { resolveApiUrl } from '../../tools/devhost/stack-file';

/** `npm run watch`: what it prints between two reads of a forward. */
const f = (phase: string, conditions: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[], gen = 1, observed = 1) => ({ name: 'web', generation: gen, deleting: false, status: { phase, observedGeneration: observed, conditions } });
const ready = { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'generation 1 is provisioned' };

describe('watch output', () => {
  it.each([
    ['the first read shows the phase and every condition', undefined, f('Ready', [ready]), ['phase Ready (generation 1/1; 0/0 nodes healthy, 0 approved / 0 pending)', '✓ Ready Reconciled: generation 1 is provisioned']],
    ['nothing changed: nothing printed', f('Ready', [ready]), f('Ready', [ready]), []],
    ['a condition flips: only it is printed', f('Ready', [ready]), f('Ready', [{ ...ready, status: 'False', reason: 'Reconciling', message: 'reconciling generation 2' }]), ['✗ Ready Reconciling: reconciling generation 2']],
    ['polarity as on the status page: RecycleSuspended False is good, True asks for attention, Unknown is unknown', f('Ready', [ready]), f('Ready', [ready, { type: 'RecycleSuspended', status: 'False', reason: 'NotSuspended', message: 'recycling is active' }, { type: 'NodesHealthy', status: 'Unknown', reason: 'NoData', message: 'no metrics yet' }]), ['✓ RecycleSuspended NotSuspended: recycling is active', '? NodesHealthy NoData: no metrics yet']],
    ['RecycleSuspended True is marked ✗', f('Ready', [ready]), f('Ready', [ready, { type: 'RecycleSuspended', status: 'True', reason: 'TargetOutage', message: 'every target is down' }]), ['✗ RecycleSuspended TargetOutage: every target is down']],
    [
      'a drift repair failed on a forward that serves: the phase stays, Synced False is printed with its ARM code',
      f('Ready', [ready, { type: 'Synced', status: 'True', reason: 'InSync', message: 'Azure matches generation 1' }]),
      f('Ready', [ready, { type: 'Synced', status: 'False', reason: 'InvalidParameter', message: 'drift repair of generation 1 failed (InvalidParameter): bad; the forward serves as last provisioned' }]),
      ['✗ Synced InvalidParameter: drift repair of generation 1 failed (InvalidParameter): bad; the forward serves as last provisioned'],
    ],
    ['a new generation: the phase line again', f('Ready', [ready]), f('Updating', [ready], 2, 1), ['phase Updating (generation 1/2; 0/0 nodes healthy, 0 approved / 0 pending)']],
  ])('%s', (_situation, prev, next, lines) => {
    expect(describeChanges(prev, next)).toEqual(lines);
  });
});

describe('when watch stops: the current generation reached a final phase', () => {
  const failed = (generation: number | undefined) => ({ type: 'Ready', status: 'False', reason: 'ResourceGroupNotFound', message: "Resource group 'rg-nope' could not be found.", ...(generation === undefined ? {} : { observedGeneration: generation }) });
  it.each([
    ['the first generation failed (nothing provisioned, observedGeneration 0): settled', f('Failed', [failed(1)], 1, 0), true],
    ['a later generation failed after an earlier one was provisioned: settled', f('Failed', [failed(3)], 3, 2), true],
    ['Failed of an older spec the loop has not picked the new one up from yet: not settled', f('Failed', [failed(1)], 2, 0), false],
    ['a delete that failed (the delete is its own generation): settled', { ...f('Failed', [{ ...failed(2), reason: 'DeleteFailed' }], 2, 1), deleting: true }, true],
    ['Failed written before conditions carried a generation, observed = generation: settled', f('Failed', [failed(undefined)], 1, 1), true],
    ['Failed written before conditions carried a generation, observed behind: not settled', f('Failed', [failed(undefined)], 1, 0), false],
    ['Ready for the current generation: settled', f('Ready', [{ ...ready, observedGeneration: 1 }]), true],
    ['Degraded for the current generation: settled', f('Degraded', [ready]), true],
    ['Ready of the previous generation while the new one is reconciled: not settled', f('Ready', [ready], 2, 1), false],
    ['still provisioning: not settled', f('Provisioning', [{ ...ready, status: 'False', reason: 'Reconciling', observedGeneration: 1 }], 1, 0), false],
    ['Ready but being deleted: not settled', { ...f('Ready', [ready]), deleting: true }, false],
  ])('%s', (_situation, forward, expected) => {
    expect(settled(forward)).toBe(expected);
  });
});

describe('the settled line', () => {
  const synced = (status: string, reason: string, message: string) => ({ type: 'Synced', status, reason, message, observedGeneration: 1 });
  it.each([
    ['Ready and in sync: the phase', f('Ready', [ready, synced('True', 'InSync', 'Azure matches generation 1')]), 'web settled: Ready'],
    ['Ready while the last drift repair failed: the phase and the ARM error', f('Ready', [ready, synced('False', 'InvalidParameter', 'drift repair failed')]), 'web settled: Ready (Synced False InvalidParameter: drift repair failed)'],
    ['Failed (a generation that never served): the phase alone, the Ready condition says why', f('Failed', [synced('False', 'InvalidParameter', 'generation 1 was not provisioned')], 1, 0), 'web settled: Failed'],
  ])('%s', (_situation, forward, line) => {
    expect(settledLine(forward)).toBe(line);
  });
});

describe('which API watch talks to without --url', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-watch-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (pid: number) => fs.writeFileSync(path.join(dir, 'stack.json'), JSON.stringify({ pid, devhost: 'http://127.0.0.1:7123', emulator: 'https://127.0.0.1:8123', caFile: '/x/ca.pem' }));

  it.each([
    ['PLF_API_URL set: it wins over a running stack (an explicit choice)', () => write(process.pid), { PLF_LOCAL_DIR: dir, PLF_API_URL: 'http://example.test:1' }, 'http://example.test:1', /^PLF_API_URL$/],
    ['a running stack and no PLF_API_URL: its stack.json', () => write(process.pid), { PLF_LOCAL_DIR: dir }, 'http://127.0.0.1:7123', /stack\.json$/],
    ['a stale stack.json (its process gone): the default', () => write(2 ** 22 + 1), { PLF_LOCAL_DIR: dir }, 'http://127.0.0.1:7071', /default/],
    ['no stack.json and no PLF_API_URL: the default', () => fs.rmSync(path.join(dir, 'stack.json'), { force: true }), { PLF_LOCAL_DIR: dir }, 'http://127.0.0.1:7071', /default/],
  ])('%s', (_s, arrange, env, url, from) => {
    arrange();
    const r = resolveApiUrl(env, '/repo');
    expect(r.url).toBe(url);
    expect(r.from).toMatch(from);
  });
});

describe('the command line: each problem named', () => {
  it.each<[string, string[], number, number, string[]]>([
    ['a forward name: fine', ['web'], 1000, 600, []],
    ['no forward', [], 1000, 600, ['the forward to watch is missing']],
    ['a name the API would refuse', ['Bad_Name'], 1000, 600, ['forward "Bad_Name" must be 1-40 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen']],
    ['two forwards', ['web', 'db'], 1000, 600, ['one forward at a time: "db" not taken']],
    ['an interval too short and a timeout not a number', ['web'], 50, Number('x'), ['--interval-ms must be a number >= 100', '--timeout-s must be a number > 0']],
  ])('%s', (_situation, positionals, interval, timeout, problems) => expect(argProblems(positionals, interval, timeout)).toEqual(problems));
});
