import { EmulatorClock } from '../clock';
import { randomUUID } from 'node:crypto';
import { invalidParameters, ArmError } from '../arm/errors';
import { EventGridEvent, ResourceEventInput, resourceEvent, validationEvent } from './event-shape';

/**
 * Event Grid delivery to webhooks registered through the control API. Behaves like Event Grid
 * where the product can tell: validation handshake before the first event (the subscription is
 * refused when the endpoint does not echo the code), one event per POST as a JSON array,
 * `aeg-*` headers, retries with backoff on non-2xx or network errors, and no ordering guarantee.
 * Test switches make the "no guarantee" concrete: duplicate every delivery, reverse the order of
 * events published close together, or delay every delivery.
 *
 * Only loopback endpoints are accepted (the emulator must never send traffic off the machine).
 */
export interface AdvancedFilter {
  operatorType: 'StringIn';
  key: string;
  values: string[];
}

export interface EventSubscriptionInput {
  name?: string;
  endpointUrl: string;
  includedEventTypes?: string[];
  subjectBeginsWith?: string;
  subjectEndsWith?: string;
  advancedFilters?: AdvancedFilter[];
  /** Only events of this Azure subscription (system topic scope); all when omitted. */
  topicSubscriptionId?: string;
}

export interface EventSubscription extends EventSubscriptionInput {
  name: string;
  provisioningState: 'Succeeded';
  createdAt: string;
}

export interface DeliverySwitches {
  duplicate: boolean;
  reorder: boolean;
  delayMs: number;
  /**
   * Not a delivery switch but a publishing one: whether a consumer creating or deleting a private
   * endpoint publishes the connection's write/delete on the PROVIDER subscription's topic (an
   * emulator assumption Azure does not document; see emulator/README.md "Event Grid").
   */
  providerConnectionEvents: boolean;
}

export const DEFAULT_SWITCHES: DeliverySwitches = { duplicate: false, reorder: false, delayMs: 0, providerConnectionEvents: true };

export interface EventGridOptions {
  /** Delay before each retry; its length + 1 is the number of attempts. */
  retryDelaysMs?: number[];
  /** How long events are held to be reversed when `reorder` is on. */
  reorderWindowMs?: number;
  requestTimeoutMs?: number;
  switches?: Partial<DeliverySwitches>;
}

export interface DeliveryLogEntry {
  seq: number;
  time: string;
  subscription: string;
  eventId: string;
  eventType: string;
  subject: string;
  attempt: number;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
  outcome: 'validated' | 'validation-failed' | 'delivered' | 'retrying' | 'dropped';
  error?: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/i;

export function validateEventSubscription(input: unknown): EventSubscriptionInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidParameters(['An event subscription must be a JSON object.']);
  }
  const r = input as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof r.endpointUrl !== 'string') problems.push('endpointUrl is required.');
  else {
    let u: URL | undefined;
    try {
      u = new URL(r.endpointUrl);
    } catch {
      problems.push(`endpointUrl '${r.endpointUrl}' is not a URL.`);
    }
    if (u && !['http:', 'https:'].includes(u.protocol)) problems.push('endpointUrl must be http or https.');
    if (u && !LOOPBACK.test(u.hostname)) problems.push(`endpointUrl host '${u.hostname}' is not loopback; the emulator only delivers to 127.0.0.0/8, localhost or ::1.`);
  }
  if (r.name !== undefined && (typeof r.name !== 'string' || !/^[A-Za-z0-9-]{3,64}$/.test(r.name))) {
    problems.push('name must be 3-64 letters, digits or hyphens.');
  }
  const strArray = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (r.includedEventTypes !== undefined && !strArray(r.includedEventTypes)) problems.push('includedEventTypes must be an array of strings.');
  for (const k of ['subjectBeginsWith', 'subjectEndsWith', 'topicSubscriptionId']) {
    if (r[k] !== undefined && typeof r[k] !== 'string') problems.push(`${k} must be a string.`);
  }
  if (r.advancedFilters !== undefined) {
    if (!Array.isArray(r.advancedFilters)) problems.push('advancedFilters must be an array.');
    else
      r.advancedFilters.forEach((f: unknown, i: number) => {
        const o = f as Record<string, unknown>;
        if (typeof o !== 'object' || o === null || o.operatorType !== 'StringIn' || typeof o.key !== 'string' || !strArray(o.values)) {
          problems.push(`advancedFilters[${i}] must be {operatorType: "StringIn", key, values: string[]}.`);
        }
      });
  }
  if (problems.length) throw invalidParameters(problems);
  return r as unknown as EventSubscriptionInput;
}

function lookup(event: EventGridEvent, key: string): unknown {
  let cur: unknown = event;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function matches(sub: EventSubscriptionInput, e: EventGridEvent): boolean {
  if (sub.topicSubscriptionId && e.topic.toLowerCase() !== `/subscriptions/${sub.topicSubscriptionId}`.toLowerCase()) return false;
  if (sub.includedEventTypes?.length && !sub.includedEventTypes.some((t) => t.toLowerCase() === e.eventType.toLowerCase())) return false;
  if (sub.subjectBeginsWith && !e.subject.toLowerCase().startsWith(sub.subjectBeginsWith.toLowerCase())) return false;
  if (sub.subjectEndsWith && !e.subject.toLowerCase().endsWith(sub.subjectEndsWith.toLowerCase())) return false;
  for (const f of sub.advancedFilters ?? []) {
    const v = lookup(e, f.key);
    // Event Grid's StringIn is case-insensitive.
    if (typeof v !== 'string' || !f.values.some((x) => x.toLowerCase() === v.toLowerCase())) return false;
  }
  return true;
}

export class EventPublisher {
  private readonly subs = new Map<string, EventSubscription>();
  private log: DeliveryLogEntry[] = [];
  private seq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private reorderBuffer: Array<{ sub: EventSubscription; event: EventGridEvent }> = [];
  private reorderTimer?: NodeJS.Timeout;
  private stopped = false;
  readonly switches: DeliverySwitches;
  private readonly retryDelaysMs: number[];
  private readonly reorderWindowMs: number;
  private readonly requestTimeoutMs: number;
  /** Events published (before filtering), for tests that check what was emitted. */
  readonly published: EventGridEvent[] = [];

  /** `clock`: the emulator's (eventTime and log times are emulated time; delivery retries stay real-time waits). */
  constructor(
    opts: EventGridOptions = {},
    private readonly clock: Pick<EmulatorClock, 'iso'> = new EmulatorClock(),
  ) {
    this.retryDelaysMs = opts.retryDelaysMs ?? [200, 1000, 5000, 10_000, 30_000];
    this.reorderWindowMs = opts.reorderWindowMs ?? 50;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.switches = { ...DEFAULT_SWITCHES, ...opts.switches };
  }

  /** Registers a subscription after a successful validation handshake (like Event Grid). */
  async subscribe(input: EventSubscriptionInput): Promise<EventSubscription> {
    const name = input.name ?? `es-${randomUUID().slice(0, 8)}`;
    const code = randomUUID();
    const ev = validationEvent(input.topicSubscriptionId ?? '00000000-0000-0000-0000-000000000000', code, `${input.endpointUrl}#validate`, this.clock.iso());
    let status = 0;
    let error: string | undefined;
    let ok = false;
    try {
      const res = await this.post(input.endpointUrl, [ev], { 'aeg-event-type': 'SubscriptionValidation', 'aeg-subscription-name': name.toUpperCase() }, 1);
      status = res.status;
      const body = res.text ? (JSON.parse(res.text) as { validationResponse?: string }) : {};
      ok = res.status >= 200 && res.status < 300 && body.validationResponse === code;
      if (!ok) error = `expected {"validationResponse":"${code}"}, got ${res.status} ${res.text.slice(0, 200)}`;
    } catch (e) {
      error = String(e instanceof Error ? e.message : e);
    }
    this.addLog({ subscription: name, eventId: ev.id, eventType: ev.eventType, subject: '', attempt: 1, status, outcome: ok ? 'validated' : 'validation-failed', error });
    if (!ok) {
      throw new ArmError(400, 'WebhookValidationHandshakeFailed', `Webhook validation handshake failed for ${input.endpointUrl}: ${error}`);
    }
    const sub: EventSubscription = { ...input, name, provisioningState: 'Succeeded', createdAt: this.clock.iso() };
    this.subs.set(name.toLowerCase(), sub);
    return sub;
  }

  unsubscribe(name: string): boolean {
    return this.subs.delete(name.toLowerCase());
  }

  subscriptions(): EventSubscription[] {
    return [...this.subs.values()];
  }

  deliveries(): DeliveryLogEntry[] {
    return [...this.log];
  }

  clearLog(): void {
    this.log = [];
    this.published.length = 0;
  }

  /** Publishes a resource event to every matching subscription (fire and forget). */
  publishResource(input: ResourceEventInput): EventGridEvent {
    const e = resourceEvent(input, this.clock.iso());
    this.publish(e);
    return e;
  }

  publish(e: EventGridEvent): void {
    if (this.stopped) return;
    this.published.push(e);
    if (this.published.length > 10_000) this.published.splice(0, 1000);
    for (const sub of this.subs.values()) {
      if (!matches(sub, e)) continue;
      if (this.switches.reorder) this.bufferForReorder(sub, e);
      else this.schedule(sub, e);
    }
  }

  /** Resolves when nothing is queued or in flight (tests await this instead of sleeping). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((this.inFlight.size > 0 || this.reorderBuffer.length > 0 || this.timers.size > 0) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Clears deliveries, queues and switches; subscriptions too unless `keepSubscriptions`. */
  reset(keepSubscriptions = false): void {
    if (!keepSubscriptions) this.subs.clear();
    this.clearLog();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.reorderTimer) clearTimeout(this.reorderTimer);
    this.reorderTimer = undefined;
    this.reorderBuffer = [];
    Object.assign(this.switches, DEFAULT_SWITCHES);
  }

  stop(): void {
    this.reset();
    this.stopped = true;
  }

  private bufferForReorder(sub: EventSubscription, e: EventGridEvent): void {
    this.reorderBuffer.push({ sub, event: e });
    if (this.reorderTimer) return;
    this.reorderTimer = setTimeout(() => {
      this.reorderTimer = undefined;
      const batch = this.reorderBuffer.reverse();
      this.reorderBuffer = [];
      for (const b of batch) this.schedule(b.sub, b.event);
    }, this.reorderWindowMs);
    this.reorderTimer.unref();
  }

  private schedule(sub: EventSubscription, e: EventGridEvent): void {
    const copies = this.switches.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) this.later(this.switches.delayMs, () => this.attempt(sub, e, 1));
  }

  private later(ms: number, fn: () => Promise<void>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      const p = fn().finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private async attempt(sub: EventSubscription, e: EventGridEvent, attempt: number): Promise<void> {
    if (this.stopped || !this.subs.has(sub.name.toLowerCase())) return;
    let status = 0;
    let error: string | undefined;
    try {
      const res = await this.post(
        sub.endpointUrl,
        [e],
        { 'aeg-event-type': 'Notification', 'aeg-subscription-name': sub.name.toUpperCase(), 'aeg-data-version': e.dataVersion, 'aeg-metadata-version': e.metadataVersion },
        attempt,
      );
      status = res.status;
      if (status < 200 || status >= 300) error = res.text.slice(0, 200);
    } catch (err) {
      error = String(err instanceof Error ? err.message : err);
    }
    const ok = status >= 200 && status < 300;
    const more = attempt <= this.retryDelaysMs.length;
    this.addLog({
      subscription: sub.name,
      eventId: e.id,
      eventType: e.eventType,
      subject: e.subject,
      attempt,
      status,
      outcome: ok ? 'delivered' : more ? 'retrying' : 'dropped',
      error,
    });
    if (!ok && more) this.later(this.retryDelaysMs[attempt - 1], () => this.attempt(sub, e, attempt + 1));
  }

  private async post(url: string, body: unknown, headers: Record<string, string>, attempt: number): Promise<{ status: number; text: string }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-delivery-count': String(attempt - 1), ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.requestTimeoutMs),
    });
    return { status: res.status, text: await res.text() };
  }

  private addLog(e: Omit<DeliveryLogEntry, 'seq' | 'time'>): void {
    this.log.push({ seq: ++this.seq, time: this.clock.iso(), ...e });
    if (this.log.length > 20_000) this.log.splice(0, 1000);
  }
}
