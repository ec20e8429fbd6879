import { parseProbeCommand, runProbe, shellWords } from '../../../tools/emulator/providers/containerinstance/probe-command';
import type { Verdict } from '../../../tools/emulator/datapath/trace';

/**
 * The probe commands a simulated container understands (busybox nc, optionally timed, optionally
 * inside sh -c) and what it prints for each kind of data-path verdict. Anything else must be
 * refused, never turned into a fake success.
 */
describe('probe commands the emulator runs', () => {
  it.each<[string, string[], { host: string; port: number; verbose: boolean; waitSeconds: number; timed: boolean }]>([
    ['plain nc -z', ['nc', '-z', 'onprem-server.internal.net', '8000'], { host: 'onprem-server.internal.net', port: 8000, verbose: false, waitSeconds: 0, timed: false }],
    ['combined flags with an inline wait', ['nc', '-zvw3', '10.1.0.4', '8000'], { host: '10.1.0.4', port: 8000, verbose: true, waitSeconds: 3, timed: false }],
    ['separate -w SECONDS', ['nc', '-z', '-v', '-w', '5', 'h.internal.net', '443'], { host: 'h.internal.net', port: 443, verbose: true, waitSeconds: 5, timed: false }],
    ['time nc inside sh -c', ['sh', '-c', 'time nc -zv -w 2 onprem-server.internal.net 8000'], { host: 'onprem-server.internal.net', port: 8000, verbose: true, waitSeconds: 2, timed: true }],
    ['/bin/sh -c with a quoted host', ['/bin/sh', '-c', "nc -z 'a.internal.net' 8000"], { host: 'a.internal.net', port: 8000, verbose: false, waitSeconds: 0, timed: false }],
    ['a leading time without a shell', ['time', '/usr/bin/nc', '-z', 'x.internal.net', '1'], { host: 'x.internal.net', port: 1, verbose: false, waitSeconds: 0, timed: true }],
  ])('%s is understood', (_situation, command, nc) => {
    expect(parseProbeCommand(command)).toEqual({ ok: true, nc });
  });

  it.each<[string, string[], RegExp]>([
    ['no command at all', [], /has no command/],
    ['curl', ['curl', 'http://onprem-server.internal.net:8000'], /unsupported command 'curl/],
    ['nc without -z (would send data)', ['nc', 'h', '8000'], /only 'nc -z'/],
    ['an nc option that is not simulated', ['nc', '-z', '-u', 'h', '53'], /option -u is not simulated/],
    ['a long option', ['nc', '-z', '--udp', 'h', '53'], /option --udp is not simulated/],
    ['-w without seconds', ['nc', '-z', '-w', 'x', 'h', '80'], /-w needs a number/],
    ['a port out of range', ['nc', '-z', 'h', '70000'], /expected HOST PORT/],
    ['a missing port', ['nc', '-z', 'h'], /expected HOST PORT/],
    ['shell operators', ['sh', '-c', 'nc -z h 80 && echo ok'], /shell operators are not simulated/],
    ['a variable expansion', ['sh', '-c', 'nc -z $HOST 80'], /shell operators are not simulated/],
    ['sh without -c', ['sh', 'probe.sh'], /only "sh -c '<command>'" is supported/],
    ['unbalanced quotes', ['sh', '-c', "nc -z 'h 80"], /unbalanced quotes/],
  ])('%s is refused with a clear message', (_situation, command, message) => {
    const r = parseProbeCommand(command);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(message);
  });

  it('shell words honour single and double quotes and nothing else', () => {
    expect(shellWords(`time nc -z "a b" 'c d' e`)).toEqual(['time', 'nc', '-z', 'a b', 'c d', 'e']);
  });
});

describe('what busybox prints for each verdict', () => {
  const verdict = (v: Partial<Verdict>): Verdict => ({ from: 's', host: 'onprem-server.internal.net', port: 8000, hops: [], reachable: false, ...v });
  const nc = { host: 'onprem-server.internal.net', port: 8000, verbose: true, waitSeconds: 2, timed: true };

  it.each<[string, Partial<Verdict>, Partial<typeof nc>, number, RegExp]>([
    ['open with -v', { reachable: true, ip: '10.1.0.4' }, {}, 0, /^onprem-server\.internal\.net \(10\.1\.0\.4:8000\) open\nreal\t0m 0\.01s\nuser\t0m 0\.00s\nsys\t0m 0\.00s\n$/],
    ['open without -v or time prints nothing', { reachable: true, ip: '10.1.0.4' }, { verbose: false, timed: false }, 0, /^$/],
    ['an unknown name', { failure: 'dns' }, {}, 1, /^nc: bad address 'onprem-server\.internal\.net'\n/],
    ['a reset', { failure: 'refused', ip: '10.1.0.4' }, {}, 1, /^nc: onprem-server\.internal\.net \(10\.1\.0\.4:8000\): Connection refused\n/],
    ['a silent drop waits the -w seconds', { failure: 'timeout', ip: '10.1.0.4' }, {}, 1, /Connection timed out\nreal\t0m 2\.00s/],
    ['a silent drop without -w waits for the kernel (127 s)', { failure: 'timeout', ip: '10.1.0.4' }, { waitSeconds: 0 }, 1, /real\t2m 7\.00s/],
  ])('%s', (_situation, v, flags, exitCode, output) => {
    const run = runProbe({ ...nc, ...flags }, verdict(v));
    expect(run.exitCode).toBe(exitCode);
    expect(run.stdout + run.stderr).toMatch(output);
  });
});
