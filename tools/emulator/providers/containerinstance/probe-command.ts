import type { Verdict } from '../../datapath/trace';

/**
 * The commands a probe container may run, as the busybox of the images the emulator knows
 * (registry.ts) runs them: busybox 1.36.1 built with CONFIG_NC_110_COMPAT=y and CONFIG_NC_EXTRA=y
 * (Azure Linux SPECS/busybox/busybox-static.config), so `nc` is networking/nc_bloaty.c, which has
 * `-z`; the small networking/nc.c has no `-z` at all. Supported: `nc -z [-v|-vv] [-n] [-w SECONDS]
 * HOST PORT`, alone or inside `sh -c '...'`, optionally after busybox `time`
 * (miscutils/time.c). Anything else is refused with a clear line and exit code 127 — never a fake
 * success.
 */
export interface NcCommand {
  host: string;
  port: number;
  /** How many `-v` (nc_bloaty's o_verbose is a counter: "vv" in its getopt32 spec). */
  verbose: number;
  waitSeconds: number;
  timed: boolean;
}

export type ParsedCommand = { ok: true; nc: NcCommand } | { ok: false; message: string };

const SUPPORTED = "nc -z [-v|-vv] [-n] [-w SECONDS] HOST PORT, optionally after 'time' and inside sh -c";

/** Splits a shell line on blanks, honouring single and double quotes (no expansions). */
export function shellWords(line: string): string[] | undefined {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) return undefined;
  if (inWord) words.push(cur);
  return words;
}

export function parseProbeCommand(command: readonly string[]): ParsedCommand {
  let words = [...command];
  if (words.length === 0) return { ok: false, message: `the container has no command (supported: ${SUPPORTED})` };
  if (/^(\/bin\/)?(ba)?sh$/.test(words[0])) {
    if (words[1] !== '-c' || words.length !== 3) return { ok: false, message: `only "sh -c '<command>'" is supported, got: ${command.join(' ')}` };
    const split = shellWords(words[2]);
    if (!split) return { ok: false, message: `unbalanced quotes in: ${words[2]}` };
    if (/[;&|<>`$]/.test(words[2])) return { ok: false, message: `shell operators are not simulated in: ${words[2]} (supported: ${SUPPORTED})` };
    words = split;
  }
  let timed = false;
  if (words[0] === 'time' || words[0] === '/usr/bin/time') {
    timed = true;
    words = words.slice(1);
    if (words[0]?.startsWith('-')) return { ok: false, message: `time: option ${words[0]} is not simulated (supported: ${SUPPORTED})` };
  }
  if (words[0] !== 'nc' && words[0] !== '/bin/nc' && words[0] !== '/usr/bin/nc') return { ok: false, message: `unsupported command '${words.join(' ')}' (supported: ${SUPPORTED})` };
  let zero = false;
  let verbose = 0;
  let waitSeconds = 0;
  const rest: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (/^-[zvnw]+\d*$/.test(w)) {
      for (let j = 1; j < w.length; j++) {
        const f = w[j];
        if (f === 'z') zero = true;
        else if (f === 'v') verbose++;
        else if (f === 'n') continue; // nc_bloaty parses -n and ignores it ("//if (option_mask32 & OPT_n)").
        else if (f === 'w') {
          const inline = w.slice(j + 1);
          const value = inline || words[++i];
          if (!/^\d+$/.test(value ?? '')) return { ok: false, message: `nc: -w needs a number of seconds` };
          waitSeconds = Number(value);
          break;
        } else return { ok: false, message: `nc: option -${f} is not simulated (supported: ${SUPPORTED})` };
      }
    } else if (w.startsWith('-')) return { ok: false, message: `nc: option ${w} is not simulated (supported: ${SUPPORTED})` };
    else rest.push(w);
  }
  if (!zero) return { ok: false, message: `only 'nc -z' (connect and close) is simulated (supported: ${SUPPORTED})` };
  if (rest.length !== 2 || !/^\d+$/.test(rest[1]) || Number(rest[1]) < 1 || Number(rest[1]) > 65535) return { ok: false, message: `nc: expected HOST PORT, got: ${rest.join(' ') || '(nothing)'}` };
  return { ok: true, nc: { host: rest[0], port: Number(rest[1]), verbose, waitSeconds, timed } };
}

export interface ProbeRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Simulated elapsed seconds. */
  seconds: number;
}

/** Linux's connect() gives up on an unanswered SYN after about 127 s (6 retries, tcp_syn_retries). */
const KERNEL_CONNECT_TIMEOUT_S = 127;

/**
 * What busybox prints for a verdict, line for line (both applets write to stderr; ACI's log holds
 * both streams):
 * - networking/nc_bloaty.c `nc_main`: open: `fprintf(stderr, "%s (%s) open\n", argv[0], themdotted)`
 *   at -v; a failed connect: `bb_perror_msg("%s (%s)", ...)` -> `nc: HOST (IP:PORT): <strerror>`,
 *   printed when `o_verbose > 1 || (o_verbose && errno != ECONNREFUSED)` — so a refusal is
 *   silent at -v and shown at -vv; at -vv every outbound ends with `sent 0, rcvd 0`
 *   (SENT_N_RECV_M). `-w` arms an alarm that fakes errno = ETIMEDOUT ("Connection timed out").
 *   Exit 1 on any failure.
 * - libbb/xconnect.c `str2sockaddr` (via xhost2sockaddr, DIE_ON_ERROR): an unresolvable name
 *   prints `nc: bad address 'HOST'` and exits 1 before any connect.
 * - miscutils/time.c `summarize`: `Command exited with non-zero status N` first when the command
 *   failed, then default_format `real\t%E\nuser\t%u\nsys\t%T` with %E as `%um %u.%02us`
 *   (`%uh %um %02us` from one hour); time exits with the command's status.
 */
export function runProbe(nc: NcCommand, verdict: Verdict): ProbeRun {
  const target = `${nc.host} (${verdict.ip ?? nc.host}:${nc.port})`;
  let stderr = '';
  let exitCode = 0;
  let seconds = 0.01;
  if (verdict.reachable) {
    if (nc.verbose >= 1) stderr += `${target} open\n`;
    if (nc.verbose >= 2) stderr += 'sent 0, rcvd 0\n';
  } else if (verdict.failure === 'dns') {
    exitCode = 1;
    seconds = 0;
    stderr += `nc: bad address '${nc.host}'\n`;
  } else {
    exitCode = 1;
    if (verdict.failure === 'refused') {
      if (nc.verbose >= 2) stderr += `nc: ${target}: Connection refused\n`;
    } else {
      seconds = nc.waitSeconds || KERNEL_CONNECT_TIMEOUT_S;
      if (nc.verbose >= 1) stderr += `nc: ${target}: Connection timed out\n`;
    }
    if (nc.verbose >= 2) stderr += 'sent 0, rcvd 0\n';
  }
  if (nc.timed) {
    if (exitCode !== 0) stderr += `Command exited with non-zero status ${exitCode}\n`;
    stderr += `real\t${elapsed(seconds)}\nuser\t0m 0.00s\nsys\t0m 0.00s\n`;
  }
  return { exitCode, stdout: '', stderr, seconds };
}

/** busybox time's %E: `2m 7.00s`, from one hour `1h 2m 03s`. */
export function elapsed(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const s = Math.floor(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 60)}m ${s % 60}.${String(Math.floor(ms / 10) % 100).padStart(2, '0')}s`;
}
