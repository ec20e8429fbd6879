import { EmulatorClock } from '../clock';
/**
 * Every ARM request the emulator answered, so tests and benchmarks can count Azure requests per
 * operation. Control-API calls (`/_emulator/...`) are not logged.
 */
export type RequestKind = 'read' | 'write' | 'delete' | 'action';

export interface RequestLogEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  apiVersion: string | null;
  status: number;
  kind: RequestKind;
  /** Resource type addressed, e.g. "Microsoft.Network/loadBalancers" (as sent), when the path is an ARM path. */
  resourceType?: string;
  /** Fault rule id that answered this request, if any. */
  fault?: string;
}

export function kindOf(method: string): RequestKind {
  switch (method.toUpperCase()) {
    case 'PUT':
    case 'PATCH':
      return 'write';
    case 'DELETE':
      return 'delete';
    case 'POST':
      return 'action';
    default:
      return 'read';
  }
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  /** `clock`: the emulator's (entries are stamped in emulated time). */
  constructor(
    private readonly clock: Pick<EmulatorClock, 'iso'> = new EmulatorClock(),
    private readonly max = 50_000,
  ) {}

  add(e: Omit<RequestLogEntry, 'seq' | 'time'>): void {
    this.entries.push({ seq: ++this.seq, time: this.clock.iso(), ...e });
    // Bounded so a long-running emulator or a benchmark cannot grow without limit.
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}
