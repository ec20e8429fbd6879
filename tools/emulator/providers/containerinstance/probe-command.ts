import type { Verdict } from '../../datapath/trace';

/**
 * The commands a probe container may run, as busybox runs them: `nc -z [-v] [-w SECONDS] HOST
 * PORT`, alone or inside `sh -c '...'`, optionally after `time`. Anything else is refused with a
 * clear line and exit code 127 — never a fake success.
 */
export interface NcCommand {
  host: string;
  port: number;
  verbose: boolean;
  waitSeconds: number;
  timed: boolean;
}

export type ParsedCommand = { ok: true; nc: NcCommand } | { ok: false; message: string };

const SUPPORTED = "nc -z [-v] [-w SECONDS] HOST PORT, optionally after 'time' and inside sh -c";

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
  if (words[0] === 'time') {
    timed = true;
    words = words.slice(1);
  }
  if (words[0] !== 'nc' && words[0] !== '/bin/nc' && words[0] !== '/usr/bin/nc') return { ok: false, message: `unsupported command '${words.join(' ')}' (supported: ${SUPPORTED})` };
  let zero = false;
  let verbose = false;
  let waitSeconds = 0;
  const rest: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (/^-[zvw]+\d*$/.test(w)) {
      for (let j = 1; j < w.length; j++) {
        const f = w[j];
        if (f === 'z') zero = true;
        else if (f === 'v') verbose = true;
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

/** What busybox prints for a verdict (nc reports on stderr; `time` too). */
export function runProbe(nc: NcCommand, verdict: Verdict): ProbeRun {
  const target = `${nc.host} (${verdict.ip ?? nc.host}:${nc.port})`;
  let stderr = '';
  let exitCode = 0;
  let seconds = 0.01;
  if (verdict.reachable) {
    if (nc.verbose) stderr += `${target} open\n`;
  } else {
    exitCode = 1;
    if (verdict.failure === 'dns') stderr += `nc: bad address '${nc.host}'\n`;
    else if (verdict.failure === 'refused') stderr += `nc: ${target}: Connection refused\n`;
    else {
      seconds = nc.waitSeconds || 127;
      stderr += `nc: ${target}: Connection timed out\n`;
    }
  }
  if (nc.timed) stderr += `real\t${minutesSeconds(seconds)}\nuser\t0m 0.00s\nsys\t0m 0.00s\n`;
  return { exitCode, stdout: '', stderr, seconds };
}

/** busybox time's format: `2m 7.00s`. */
function minutesSeconds(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${m}m ${(seconds - m * 60).toFixed(2)}s`;
}
