import type { DevhostInvoker } from './invoker';

/**
 * `/runtime/webhooks/eventgrid?functionName=NAME`, as the real host serves it: the Event Grid
 * validation handshake (`aeg-event-type: SubscriptionValidation` answered with the code), the
 * CloudEvents OPTIONS abuse-protection handshake, and one invocation per delivered event, in the
 * Event Grid schema (an array) or CloudEvents (one event or a batch). A failed invocation answers
 * 500 so Event Grid retries the delivery.
 */
export interface WebhookReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export async function handleEventGridWebhook(
  invoker: DevhostInvoker,
  method: string,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
): Promise<WebhookReply> {
  const functionName = query.get('functionName');
  if (method === 'OPTIONS') {
    const origin = header(headers, 'webhook-request-origin');
    return { status: 200, headers: { 'WebHook-Allowed-Origin': origin ?? '*', 'WebHook-Allowed-Rate': '*', Allow: 'POST' } };
  }
  if (method !== 'POST') return { status: 405, headers: { Allow: 'POST, OPTIONS' }, body: { error: 'Event Grid deliveries are POSTed' } };
  if (!functionName) return { status: 400, body: { error: 'query parameter functionName is required' } };
  const fn = invoker.get(functionName);
  if (!fn || fn.trigger.type !== 'eventGridTrigger') {
    return { status: 404, body: { error: `no Event Grid function named "${functionName}"` } };
  }

  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8') || 'null');
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  const events = Array.isArray(payload) ? payload : payload && typeof payload === 'object' ? [payload] : [];
  if (events.length === 0 || !events.every((e) => e && typeof e === 'object')) {
    return { status: 400, body: { error: 'expected an array of Event Grid events or a CloudEvent' } };
  }

  if (header(headers, 'aeg-event-type') === 'SubscriptionValidation') {
    const validation = events.find((e) => (e as { eventType?: string }).eventType === 'Microsoft.EventGrid.SubscriptionValidationEvent') as
      | { data?: { validationCode?: string } }
      | undefined;
    const code = validation?.data?.validationCode;
    if (!code) return { status: 400, body: { error: 'SubscriptionValidation without a validationCode' } };
    return { status: 200, body: { validationResponse: code } };
  }

  const problems = events.map((e, i) => (isEvent(e) ? undefined : `event [${i}] has neither eventType nor specversion/type`)).filter(Boolean);
  if (problems.length) return { status: 400, body: { error: problems.join('; ') } };

  const failures: string[] = [];
  for (const event of events) {
    try {
      await invoker.invoke(fn.name, event, { triggerMetadata: {} });
    } catch {
      failures.push(String((event as { id?: unknown }).id ?? '?'));
    }
  }
  if (failures.length) return { status: 500, body: { error: `invocation failed for event(s) ${failures.join(', ')}` } };
  return { status: 200 };
}

function isEvent(e: unknown): boolean {
  const o = e as Record<string, unknown>;
  return typeof o.eventType === 'string' || (typeof o.specversion === 'string' && typeof o.type === 'string');
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
