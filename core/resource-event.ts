/**
 * What an Event Grid delivery says, reduced to what the connections flow may use: which resource
 * changed (a wake-up call, never evidence — the flow re-reads ARM). Pure. Accepts the Event Grid
 * schema and CloudEvents 1.0 (`type`/`subject`/`data`), as the Azure subscription system topic
 * sends `Microsoft.Resources.ResourceWriteSuccess` / `ResourceDeleteSuccess` with `subject` = the
 * resource id and `data.operationName` (azure-facts.md "Event Grid"). Anything else is 'ignored'
 * with the reason, never an error: Event Grid retries errors for a day and drops a 400 silently.
 */
import { typeOfId } from './resource-id';

export type ResourceKindOfEvent = 'connection' | 'endpoint' | 'nic';

export type ResourceEvent =
  | { kind: 'relevant'; resource: ResourceKindOfEvent; operation: 'write' | 'delete'; resourceId: string; eventId: string }
  | { kind: 'ignored'; reason: string; eventId: string };

export const RESOURCE_EVENT_TYPES = ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'] as const;

/** `data.operationName` values the flow reacts to (also the advanced filter of the subscriptions). */
export const RESOURCE_OPERATIONS: Record<string, { resource: ResourceKindOfEvent; operation: 'write' | 'delete' }> = {
  'microsoft.network/privatelinkservices/privateendpointconnections/write': { resource: 'connection', operation: 'write' },
  'microsoft.network/privatelinkservices/privateendpointconnections/delete': { resource: 'connection', operation: 'delete' },
  'microsoft.network/privateendpoints/write': { resource: 'endpoint', operation: 'write' },
  'microsoft.network/privateendpoints/delete': { resource: 'endpoint', operation: 'delete' },
  'microsoft.network/networkinterfaces/write': { resource: 'nic', operation: 'write' },
  'microsoft.network/networkinterfaces/delete': { resource: 'nic', operation: 'delete' },
};

/** The operation names as ARM spells them, for event subscription filters. */
export const RESOURCE_OPERATION_NAMES = [
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
  'Microsoft.Network/privateEndpoints/write',
  'Microsoft.Network/privateEndpoints/delete',
  'Microsoft.Network/networkInterfaces/write',
  'Microsoft.Network/networkInterfaces/delete',
];

const TYPE_OF_RESOURCE: Record<ResourceKindOfEvent, string> = {
  connection: 'microsoft.network/privatelinkservices/privateendpointconnections',
  endpoint: 'microsoft.network/privateendpoints',
  nic: 'microsoft.network/networkinterfaces',
};


const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function classifyResourceEvent(event: unknown): ResourceEvent {
  if (!isObject(event)) return { kind: 'ignored', reason: 'not an event object', eventId: '?' };
  const eventId = typeof event.id === 'string' ? event.id.slice(0, 100) : '?';
  const type = typeof event.eventType === 'string' ? event.eventType : typeof event.type === 'string' ? event.type : undefined;
  if (!type) return { kind: 'ignored', reason: 'no eventType or type', eventId };
  if (!RESOURCE_EVENT_TYPES.some((t) => t.toLowerCase() === type.toLowerCase())) return { kind: 'ignored', reason: `event type ${type.slice(0, 100)} is not a resource write or delete`, eventId };
  const data = isObject(event.data) ? event.data : undefined;
  const opName = data && typeof data.operationName === 'string' ? data.operationName.toLowerCase() : undefined;
  const op = opName && Object.hasOwn(RESOURCE_OPERATIONS, opName) ? RESOURCE_OPERATIONS[opName] : undefined;
  if (!op) return { kind: 'ignored', reason: `operation ${data && typeof data.operationName === 'string' ? data.operationName.slice(0, 120) : '(none)'} does not concern connections`, eventId };
  const id = data && typeof data.resourceUri === 'string' ? data.resourceUri : typeof event.subject === 'string' ? event.subject : undefined;
  if (!id || id.length > 1024 || typeOfId(id) !== TYPE_OF_RESOURCE[op.resource]) return { kind: 'ignored', reason: `the resource id does not name a ${op.resource} (${String(id).slice(0, 200)})`, eventId };
  const expectedWrite = type.toLowerCase().endsWith('writesuccess');
  if (expectedWrite !== (op.operation === 'write')) return { kind: 'ignored', reason: `event type ${type} does not match operation ${String(data!.operationName)}`, eventId };
  return { kind: 'relevant', resource: op.resource, operation: op.operation, resourceId: id, eventId };
}
