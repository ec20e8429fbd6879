/**
 * devhost's terminal log: one line per invocation (function, invocation id, duration, outcome)
 * plus what the app writes through `context.log`/`warn`/`error`. `json: true` prints JSON lines
 * instead, for machines. Request bodies are never logged.
 */
export interface InvocationLine {
  functionName: string;
  invocationId: string;
  durationMs: number;
  outcome: string;
  trigger: string;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  invocation(line: InvocationLine): void;
  app(functionName: string, invocationId: string, level: string, category: string, message: string): void;
}

export interface LoggerOptions {
  json?: boolean;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
  /** Drop app `trace`/`debug` lines (the host's default level is Information). */
  minLevel?: 'trace' | 'debug' | 'information';
}

const LEVEL_ORDER: Record<string, number> = { trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5, none: 6 };

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const min = LEVEL_ORDER[options.minLevel ?? 'information'];
  const time = () => new Date().toISOString();
  const emit = (level: string, message: string, fields: Record<string, unknown> = {}) => {
    if (options.json) write(JSON.stringify({ time: time(), level, message, ...fields }));
    else write(`[${time()}] ${level === 'information' ? '' : `${level.toUpperCase()}: `}${message}${formatFields(fields)}`);
  };
  return {
    info: (m, f) => emit('information', m, f),
    warn: (m, f) => emit('warning', m, f),
    error: (m, f) => emit('error', m, f),
    invocation(line) {
      const ms = Math.round(line.durationMs * 10) / 10;
      if (options.json) write(JSON.stringify({ time: time(), level: line.outcome === 'Succeeded' ? 'information' : 'error', event: 'invocation', ...line, durationMs: ms }));
      else write(`[${time()}] ${line.outcome === 'Succeeded' ? 'Executed' : 'FAILED'} '${line.functionName}' (${line.outcome}, Id=${line.invocationId}, Duration=${ms}ms)`);
    },
    app(functionName, invocationId, level, category, message) {
      if ((LEVEL_ORDER[level] ?? 2) < min) return;
      if (options.json) write(JSON.stringify({ time: time(), level, category, functionName, invocationId, message }));
      else write(`[${time()}] ${level === 'information' ? '' : `${level.toUpperCase()}: `}${functionName}: ${message}`);
    },
  };
}

function formatFields(fields: Record<string, unknown>): string {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  // A list of strings reads best one per line, indented under its message (the function list).
  const lists = entries.filter(([, v]) => Array.isArray(v) && v.every((x) => typeof x === 'string'));
  const scalars = entries.filter((e) => !lists.includes(e));
  const inline = scalars.length ? ` ${scalars.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}` : '';
  return inline + lists.map(([, v]) => (v as string[]).map((x) => `\n    ${x}`).join('')).join('');
}
