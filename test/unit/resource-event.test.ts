import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESOURCE_EVENT_TYPES, RESOURCE_OPERATIONS, RESOURCE_OPERATION_NAMES, classifyResourceEvent, type ResourceEvent } from '../../core/resource-event';

const SUB = '00000000-0000-0000-0000-0000000000a1';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-spoke`;
const NET = `${RG}/providers/Microsoft.Network`;
const PLS = `/subscriptions/${SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/privateLinkServices/plf-onprem-web-pls`;
const CONNECTION_ID = `${PLS}/privateEndpointConnections/pe-a.0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f`;
const ENDPOINT_ID = `${NET}/privateEndpoints/pe-a`;
const NIC_ID = `${NET}/networkInterfaces/pe-a.nic.0c1d2e3f`;
const WRITE = 'Microsoft.Resources.ResourceWriteSuccess';
const DELETE = 'Microsoft.Resources.ResourceDeleteSuccess';
const OP = {
  connectionWrite: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
  connectionDelete: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
  endpointWrite: 'Microsoft.Network/privateEndpoints/write',
  endpointDelete: 'Microsoft.Network/privateEndpoints/delete',
  nicWrite: 'Microsoft.Network/networkInterfaces/write',
  nicDelete: 'Microsoft.Network/networkInterfaces/delete',
};

/** An Event Grid schema event, as the Azure subscription system topic sends it. */
function gridEvent(eventType: string, operationName: string, id: string, over: { subject?: string; data?: Record<string, unknown> } = {}) {
  return {
    id: 'evt-1',
    topic: `/subscriptions/${SUB}`,
    subject: over.subject ?? id,
    eventType,
    eventTime: '2024-05-01T10:00:00.000Z',
    data: { resourceProvider: 'Microsoft.Network', resourceUri: id, operationName, status: 'Succeeded', subscriptionId: SUB, ...over.data },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

/** A CloudEvents 1.0 event. */
function cloudEvent(type: string, operationName: string, id: string) {
  return { specversion: '1.0', id: 'ce-1', source: `/subscriptions/${SUB}`, type, subject: id, time: '2024-05-01T10:00:00.000Z', data: { operationName, status: 'Succeeded' } };
}

/** Event Grid event whose data has no resourceUri: the id comes from subject. */
function subjectOnly(eventType: string, operationName: string, subject: string) {
  const e = gridEvent(eventType, operationName, subject);
  delete (e.data as { resourceUri?: string }).resourceUri;
  return e;
}

const relevant: [string, unknown, Omit<Extract<ResourceEvent, { kind: 'relevant' }>, 'kind'>][] = [
  ['a connection write (Event Grid schema)', gridEvent(WRITE, OP.connectionWrite, CONNECTION_ID), { resource: 'connection', operation: 'write', resourceId: CONNECTION_ID, eventId: 'evt-1' }],
  ['a connection delete', gridEvent(DELETE, OP.connectionDelete, CONNECTION_ID), { resource: 'connection', operation: 'delete', resourceId: CONNECTION_ID, eventId: 'evt-1' }],
  ['a private endpoint write', gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), { resource: 'endpoint', operation: 'write', resourceId: ENDPOINT_ID, eventId: 'evt-1' }],
  ['a private endpoint delete', gridEvent(DELETE, OP.endpointDelete, ENDPOINT_ID), { resource: 'endpoint', operation: 'delete', resourceId: ENDPOINT_ID, eventId: 'evt-1' }],
  ['a NIC write', gridEvent(WRITE, OP.nicWrite, NIC_ID), { resource: 'nic', operation: 'write', resourceId: NIC_ID, eventId: 'evt-1' }],
  ['a NIC delete', gridEvent(DELETE, OP.nicDelete, NIC_ID), { resource: 'nic', operation: 'delete', resourceId: NIC_ID, eventId: 'evt-1' }],
  ['an event without data.resourceUri falls back to subject', subjectOnly(WRITE, OP.endpointWrite, ENDPOINT_ID), { resource: 'endpoint', operation: 'write', resourceId: ENDPOINT_ID, eventId: 'evt-1' }],
  ['data.resourceUri is preferred over subject', gridEvent(WRITE, OP.nicWrite, NIC_ID, { subject: 'whatever' }), { resource: 'nic', operation: 'write', resourceId: NIC_ID, eventId: 'evt-1' }],
  [
    "'resourcegroups' in lower case, as in Azure's samples",
    gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID.replace('resourceGroups', 'resourcegroups')),
    { resource: 'endpoint', operation: 'write', resourceId: ENDPOINT_ID.replace('resourceGroups', 'resourcegroups'), eventId: 'evt-1' },
  ],
  [
    'an operation name and event type in another case',
    gridEvent(DELETE.toLowerCase(), OP.nicDelete.toUpperCase(), NIC_ID),
    { resource: 'nic', operation: 'delete', resourceId: NIC_ID, eventId: 'evt-1' },
  ],
  ['a connection write as a CloudEvent', cloudEvent(WRITE, OP.connectionWrite, CONNECTION_ID), { resource: 'connection', operation: 'write', resourceId: CONNECTION_ID, eventId: 'ce-1' }],
  ['a NIC delete as a CloudEvent', cloudEvent(DELETE, OP.nicDelete, NIC_ID), { resource: 'nic', operation: 'delete', resourceId: NIC_ID, eventId: 'ce-1' }],
  ['an event without id is still relevant (eventId "?")', { ...gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), id: undefined }, { resource: 'endpoint', operation: 'write', resourceId: ENDPOINT_ID, eventId: '?' }],
];

describe('classifyResourceEvent: relevant', () => {
  it.each(relevant)('%s', (_situation, event, expected) => {
    expect(classifyResourceEvent(event)).toEqual({ kind: 'relevant', ...expected });
  });
});

const long = `${NET}/privateEndpoints/${'p'.repeat(1025)}`;

const ignored: [string, unknown, string][] = [
  ['null', null, 'not an event object'],
  ['undefined', undefined, 'not an event object'],
  ['a string', JSON.stringify(gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID)), 'not an event object'],
  ['a number', 42, 'not an event object'],
  ['an array of events (a batch is delivered one by one)', [gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID)], 'not an event object'],
  ['an object without eventType or type', { id: 'x', subject: ENDPOINT_ID, data: {} }, 'no eventType or type'],
  ['an unknown event type', { ...gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), eventType: 'Microsoft.Storage.BlobCreated' }, 'Microsoft.Storage.BlobCreated is not a resource write or delete'],
  ['a resource action event', { ...gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), eventType: 'Microsoft.Resources.ResourceActionSuccess' }, 'is not a resource write or delete'],
  ['a failed write', { ...gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), eventType: 'Microsoft.Resources.ResourceWriteFailure' }, 'is not a resource write or delete'],
  ['missing data', { ...gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), data: undefined }, 'operation (none) does not concern connections'],
  ['data that is a string', { ...gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), data: OP.endpointWrite }, 'operation (none)'],
  ['data that is an array', { ...gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), data: [{ operationName: OP.endpointWrite }] }, 'operation (none)'],
  ['data without operationName', gridEvent(WRITE, OP.endpointWrite, ENDPOINT_ID, { data: { operationName: undefined } }), 'operation (none)'],
  ['an operation of another resource type', gridEvent(WRITE, 'Microsoft.Storage/storageAccounts/write', ENDPOINT_ID), 'operation Microsoft.Storage/storageAccounts/write does not concern connections'],
  ['an operation that is a prefix of ours', gridEvent(WRITE, 'Microsoft.Network/privateEndpoints', ENDPOINT_ID), 'does not concern connections'],
  ['an operationName that names a property of every object (constructor)', gridEvent(DELETE, 'constructor', 'not-a-resource-id'), 'does not concern connections'],
  ['an operationName of __proto__', gridEvent(DELETE, '__proto__', 'not-a-resource-id'), 'does not concern connections'],
  ['a subject that is not a resource id', subjectOnly(WRITE, OP.endpointWrite, 'pe-a'), 'the resource id does not name a endpoint'],
  ['a subscription-level subject', subjectOnly(WRITE, OP.endpointWrite, `/subscriptions/${SUB}`), 'does not name a endpoint'],
  ['neither resourceUri nor subject', { ...subjectOnly(WRITE, OP.endpointWrite, ENDPOINT_ID), subject: undefined }, 'does not name a endpoint (undefined)'],
  ['a NIC id with an endpoint operation', gridEvent(WRITE, OP.endpointWrite, NIC_ID), 'does not name a endpoint'],
  ['an endpoint id with a connection operation', gridEvent(WRITE, OP.connectionWrite, ENDPOINT_ID), 'does not name a connection'],
  ['the private link service id with a connection operation', gridEvent(WRITE, OP.connectionWrite, PLS), 'does not name a connection'],
  ['a child resource of an endpoint with an endpoint operation', gridEvent(WRITE, OP.endpointWrite, `${ENDPOINT_ID}/privateDnsZoneGroups/default`), 'does not name a endpoint'],
  ['an id with an empty segment', gridEvent(WRITE, OP.endpointWrite, `${NET}/privateEndpoints//pe-a`), 'does not name a endpoint'],
  ['path traversal into another type', gridEvent(WRITE, OP.endpointWrite, `${NET}/privateEndpoints/../networkInterfaces/nic-1`), 'does not name a endpoint'],
  ['path traversal as the resource name', gridEvent(WRITE, OP.endpointWrite, `${NET}/privateEndpoints/..`), 'does not name a endpoint'],
  ['path traversal as the subscription and resource group', gridEvent(WRITE, OP.endpointWrite, '/subscriptions/../resourceGroups/../providers/Microsoft.Network/privateEndpoints/pe-a'), 'does not name a endpoint'],
  ['a current-directory segment as the resource name', gridEvent(WRITE, OP.nicWrite, `${NET}/networkInterfaces/.`), 'does not name a nic'],
  ['an id over 1024 characters', gridEvent(WRITE, OP.endpointWrite, long), 'does not name a endpoint'],
  ['a write event type with a delete operation', gridEvent(WRITE, OP.endpointDelete, ENDPOINT_ID), `event type ${WRITE} does not match operation ${OP.endpointDelete}`],
  ['a delete event type with a write operation', gridEvent(DELETE, OP.nicWrite, NIC_ID), 'does not match operation'],
  ['a CloudEvent of another type', { ...cloudEvent(WRITE, OP.endpointWrite, ENDPOINT_ID), type: 'com.example.other' }, 'com.example.other is not a resource write or delete'],
];

describe('classifyResourceEvent: ignored, with a reason, never thrown', () => {
  it.each(ignored)('%s', (_situation, event, reason) => {
    let e: ResourceEvent | undefined;
    expect(() => (e = classifyResourceEvent(event))).not.toThrow();
    expect(e!.kind).toBe('ignored');
    expect(e!.kind === 'ignored' && e!.reason).toContain(reason);
    expect(typeof e!.eventId).toBe('string');
  });

  it('a long id is cut in the reason and a long event id is cut to 100 characters', () => {
    const e = classifyResourceEvent({ ...gridEvent(WRITE, OP.endpointWrite, long), id: 'i'.repeat(500) });
    expect(e.kind).toBe('ignored');
    expect(e.eventId).toHaveLength(100);
    expect(e.kind === 'ignored' && e.reason.length).toBeLessThan(300);
  });
});

describe("Azure's published sample events (test/emulator/examples/eventgrid/event-grid-schema)", () => {
  const dir = path.join(__dirname, '../emulator/examples/eventgrid/event-grid-schema');
  const samples = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

  it('the samples are there', () => {
    expect(samples).toEqual(['resource_action_success.json', 'resource_delete_success.json', 'resource_write_success.json']);
  });

  it.each(samples)('%s (another resource type) is ignored', (file) => {
    const e = classifyResourceEvent(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    expect(e.kind).toBe('ignored');
    expect(e.kind === 'ignored' && e.reason).toMatch(/is not a resource write or delete|does not concern connections/);
  });

  it.each<[string, string, 'write' | 'delete']>([
    ['resource_write_success.json', OP.nicWrite, 'write'],
    ['resource_delete_success.json', OP.nicDelete, 'delete'],
  ])('%s, pointed at a NIC, is relevant', (file, operationName, operation) => {
    const sample = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const id = (sample.subject as string).replace('Microsoft.Storage/storageAccounts/{storage-name}', 'Microsoft.Network/networkInterfaces/nic-1');
    const e = classifyResourceEvent({ ...sample, subject: id, data: { ...sample.data, operationName, resourceUri: id } });
    expect(e).toEqual({ kind: 'relevant', resource: 'nic', operation, resourceId: id, eventId: sample.id });
  });
});

describe('infra/eventgrid-filters.json', () => {
  const filters = JSON.parse(fs.readFileSync(path.join(__dirname, '../../infra/eventgrid-filters.json'), 'utf8')) as {
    includedEventTypes: string[];
    advancedFilters: { operatorType: string; key: string; values: string[] }[];
  };

  it('includedEventTypes equals RESOURCE_EVENT_TYPES', () => {
    expect(filters.includedEventTypes).toEqual([...RESOURCE_EVENT_TYPES]);
  });

  it('the StringIn filter on data.operationName equals RESOURCE_OPERATION_NAMES', () => {
    const ops = filters.advancedFilters.filter((f) => f.key === 'data.operationName');
    expect(ops).toHaveLength(1);
    expect(ops[0].operatorType).toBe('StringIn');
    expect(ops[0].values).toEqual(RESOURCE_OPERATION_NAMES);
  });

  it('RESOURCE_OPERATION_NAMES are exactly the operations the classifier knows', () => {
    expect(RESOURCE_OPERATION_NAMES.map((n) => n.toLowerCase()).sort()).toEqual(Object.keys(RESOURCE_OPERATIONS).sort());
  });

  it('every operation name in the filter, sent with its event type, is classified relevant', () => {
    for (const name of filters.advancedFilters[0].values) {
      const op = RESOURCE_OPERATIONS[name.toLowerCase()];
      const id = { connection: CONNECTION_ID, endpoint: ENDPOINT_ID, nic: NIC_ID }[op.resource];
      const e = classifyResourceEvent(gridEvent(op.operation === 'write' ? WRITE : DELETE, name, id));
      expect(e).toMatchObject({ kind: 'relevant', resource: op.resource, operation: op.operation });
    }
  });
});
