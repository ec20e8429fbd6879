import { elapsed, parseProbeCommand, runProbe, shellWords } from '../../../tools/emulator/providers/containerinstance/probe-command';
import type { Verdict } from '../../../tools/emulator/datapath/trace';

/**
 * The probe commands a simulated container understands (busybox nc_bloaty, optionally under
 * busybox time, optionally inside sh -c) and what they print for each kind of data-path verdict,
 * byte for byte as busybox 1.36.1 prints it (networking/nc_bloaty.c nc_main, libbb/xconnect.c
 * str2sockaddr, miscutils/time.c summarize). Anything else must be refused, never turned into a
 * fake success.
 */
describe('probe commands the emulator runs', () => {
  it.each<[string, string[], { host: string; port: number; verbose: number; waitSeconds: number; timed: boolean }]>([
    ['plain nc -z', ['nc', '-z', 'onprem-server.internal.net', '8000'], { host: 'onprem-server.internal.net', port: 8000, verbose: 0, waitSeconds: 0, timed: false }],
    ['combined flags with an inline wait', ['nc', '-zvw3', '10.1.0.4', '8000'], { host: '10.1.0.4', port: 8000, verbose: 1, waitSeconds: 3, timed: false }],
    ['-vv counts twice (o_verbose is a counter)', ['nc', '-zvv', '-w', '5', 'h.internal.net', '443'], { host: 'h.internal.net', port: 443, verbose: 2, waitSeconds: 5, timed: false }],
    ['separate -v -v and -n (parsed, no effect in busybox)', ['nc', '-z', '-v', '-v', '-n', '-w', '5', 'h.internal.net', '443'], { host: 'h.internal.net', port: 443, verbose: 2, waitSeconds: 5, timed: false }],
    ['time nc inside sh -c', ['sh', '-c', 'time nc -zv -w 2 onprem-server.internal.net 8000'], { host: 'onprem-server.internal.net', port: 8000, verbose: 1, waitSeconds: 2, timed: true }],
    ['/bin/sh -c with a quoted host', ['/bin/sh', '-c', "nc -z 'a.internal.net' 8000"], { host: 'a.internal.net', port: 8000, verbose: 0, waitSeconds: 0, timed: false }],
    ['the product argv: time nc -zvv -w 5', ['time', 'nc', '-zvv', '-w', '5', 'x.internal.net', '1'], { host: 'x.internal.net', port: 1, verbose: 2, waitSeconds: 5, timed: true }],
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
    ['time with an option', ['time', '-p', 'nc', '-z', 'h', '80'], /time: option -p is not simulated/],
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

describe('what busybox prints for each verdict (ACI-1, ACI-2)', () => {
  const verdict = (v: Partial<Verdict>): Verdict => ({ from: 's', host: 'onprem-server.internal.net', port: 8000, hops: [], reachable: false, ...v });
  const H = 'onprem-server.internal.net (10.1.0.4:8000)';
  const TIMES = (real: string) => `real\t${real}\nuser\t0m 0.00s\nsys\t0m 0.00s\n`;
  const FAILED = 'Command exited with non-zero status 1\n';
  const open = { reachable: true, ip: '10.1.0.4' };
  const refused = { failure: 'refused' as const, ip: '10.1.0.4' };
  const timeout = { failure: 'timeout' as const, ip: '10.1.0.4' };
  const dns = { failure: 'dns' as const };

  it.each<[string, Partial<Verdict>, { verbose: number; waitSeconds?: number; timed?: boolean }, number, string]>([
    ['open, -v, timed', open, { verbose: 1 }, 0, `${H} open\n${TIMES('0m 0.01s')}`],
    ['open, -vv, timed: the sent/rcvd line follows', open, { verbose: 2 }, 0, `${H} open\nsent 0, rcvd 0\n${TIMES('0m 0.01s')}`],
    ['open without -v or time prints nothing', open, { verbose: 0, timed: false }, 0, ''],
    ['refused at -v: nc prints nothing, only time does', refused, { verbose: 1 }, 1, `${FAILED}${TIMES('0m 0.01s')}`],
    ['refused at -vv: Connection refused', refused, { verbose: 2 }, 1, `nc: ${H}: Connection refused\nsent 0, rcvd 0\n${FAILED}${TIMES('0m 0.01s')}`],
    ['a silent drop at -v waits the -w seconds', timeout, { verbose: 1 }, 1, `nc: ${H}: Connection timed out\n${FAILED}${TIMES('0m 5.00s')}`],
    ['a silent drop at -vv', timeout, { verbose: 2 }, 1, `nc: ${H}: Connection timed out\nsent 0, rcvd 0\n${FAILED}${TIMES('0m 5.00s')}`],
    ['a silent drop without -w waits for the kernel (127 s)', timeout, { verbose: 2, waitSeconds: 0 }, 1, `nc: ${H}: Connection timed out\nsent 0, rcvd 0\n${FAILED}${TIMES('2m 7.00s')}`],
    ['an unknown name: bad address, nc dies before connecting', dns, { verbose: 2 }, 1, `nc: bad address 'onprem-server.internal.net'\n${FAILED}${TIMES('0m 0.00s')}`],
    ['a failure without time: no status line', refused, { verbose: 2, timed: false }, 1, `nc: ${H}: Connection refused\nsent 0, rcvd 0\n`],
  ])('%s', (_situation, v, flags, exitCode, output) => {
    const run = runProbe({ host: 'onprem-server.internal.net', port: 8000, waitSeconds: 5, timed: true, ...flags }, verdict(v));
    expect(run.exitCode).toBe(exitCode);
    expect(run.stdout + run.stderr).toBe(output);
  });

  it.each([
    [0.01, '0m 0.01s'],
    [62.5, '1m 2.50s'],
    [3723, '1h 2m 03s'],
  ])('time %%E of %s s is %s', (seconds, text) => expect(elapsed(seconds)).toBe(text));
});
