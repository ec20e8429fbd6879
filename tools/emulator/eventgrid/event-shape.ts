import { randomUUID } from 'node:crypto';

/**
 * Event Grid schema events for the Azure subscription system topic, shaped like the published
 * samples (azure-api-examples/eventgrid/event-grid-schema/*.json).
 */
export type ResourceEventKind = 'write' | 'delete' | 'action';

export const EVENT_TYPES: Record<ResourceEventKind, string> = {
  write: 'Microsoft.Resources.ResourceWriteSuccess',
  delete: 'Microsoft.Resources.ResourceDeleteSuccess',
  action: 'Microsoft.Resources.ResourceActionSuccess',
};

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}

export interface ResourceEventInput {
  kind: ResourceEventKind;
  resourceId: string;
  /** Canonical type, e.g. Microsoft.Network/privateEndpoints; the operation name derives from it. */
  resourceType: string;
  subscriptionId: string;
  tenantId: string;
  /** Action name for kind 'action' (e.g. "reimage" → ".../reimage/action"). */
  action?: string;
  correlationId?: string;
}

export function operationNameFor(kind: ResourceEventKind, resourceType: string, action?: string): string {
  if (kind === 'action') return `${resourceType}/${action ?? 'action'}/action`;
  return `${resourceType}/${kind}`;
}

/** `now`: the emulator clock's time (ISO), the event's eventTime. */
export function resourceEvent(input: ResourceEventInput, now: string): EventGridEvent {
  const operationName = operationNameFor(input.kind, input.resourceType, input.action);
  const correlationId = input.correlationId ?? randomUUID();
  return {
    subject: input.resourceId,
    eventType: EVENT_TYPES[input.kind],
    eventTime: now,
    id: randomUUID(),
    data: {
      authorization: {
        scope: input.resourceId,
        action: operationName,
        evidence: { role: 'Contributor' },
      },
      claims: {
        aud: 'https://management.azure.com/',
        iss: `https://sts.windows.net/${input.tenantId}/`,
        appid: 'plf-emulator',
        'http://schemas.microsoft.com/identity/claims/tenantid': input.tenantId,
        ver: '1.0',
      },
      correlationId,
      resourceProvider: input.resourceType.split('/')[0],
      resourceUri: input.resourceId,
      operationName,
      status: 'Succeeded',
      subscriptionId: input.subscriptionId,
      tenantId: input.tenantId,
    },
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${input.subscriptionId}`,
  };
}

export function validationEvent(subscriptionId: string, code: string, validationUrl: string, now: string): EventGridEvent {
  return {
    id: randomUUID(),
    topic: `/subscriptions/${subscriptionId}`,
    subject: '',
    data: { validationCode: code, validationUrl },
    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    eventTime: now,
    metadataVersion: '1',
    dataVersion: '1',
  };
}
