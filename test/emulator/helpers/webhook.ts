import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Event Grid webhook on 127.0.0.1:0 that answers the validation handshake like the
 * Functions host does, records every notification, and can fail the first N deliveries.
 */
export interface ReceivedEvent {
  id: string;
  eventType: string;
  subject: string;
  topic: string;
  data: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

export interface Webhook {
  url: string;
  events: ReceivedEvent[];
  /** Raw bodies of validation requests (arrays of one SubscriptionValidationEvent). */
  validations: unknown[];
  /** Requests of any kind, in arrival order (validation included). */
  requests: Array<{ eventType: string; aegEventType: string | undefined; status: number }>;
  /** Answer the next N notifications with this status. */
  failNext(n: number, status?: number): void;
  /** Answer validation with a wrong code. */
  refuseValidation: boolean;
  waitFor(pred: (events: ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<ReceivedEvent[]>;
  close(): Promise<void>;
}

export async function startWebhook(): Promise<Webhook> {
  let failures = 0;
  let failStatus = 500;
  const hook: Webhook = {
    url: '',
    events: [],
    validations: [],
    requests: [],
    refuseValidation: false,
    failNext(n, status = 500) {
      failures = n;
      failStatus = status;
    },
    async waitFor(pred, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!pred(hook.events)) {
        if (Date.now() > until) throw new Error(`webhook: condition not met within ${timeoutMs} ms; got ${hook.events.map((e) => `${e.eventType} ${e.subject}`).join('; ')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return hook.events;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<Omit<ReceivedEvent, 'headers'>>;
      const aeg = req.headers['aeg-event-type'] as string | undefined;
      if (aeg === 'SubscriptionValidation') {
        const code = (body[0].data as { validationCode: string }).validationCode;
        hook.validations.push(body);
        hook.requests.push({ eventType: body[0].eventType, aegEventType: aeg, status: 200 });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ validationResponse: hook.refuseValidation ? 'wrong' : code }));
        return;
      }
      if (failures > 0) {
        failures--;
        hook.requests.push({ eventType: body[0]?.eventType, aegEventType: aeg, status: failStatus });
        res.writeHead(failStatus);
        res.end();
        return;
      }
      hook.requests.push({ eventType: body[0]?.eventType, aegEventType: aeg, status: 200 });
      for (const e of body) hook.events.push({ ...e, headers: req.headers });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;
  return hook;
}
