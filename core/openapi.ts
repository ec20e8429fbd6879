import { DEFAULTS, LIMITS } from './forward-spec';

/**
 * The OpenAPI 3.0 document of the forwards API, built from the spec's defaults and limits
 * (core/forward-spec.ts) so the documented bounds are the enforced ones.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const problem = { description: 'Problem details', content: { 'application/problem+json': { schema: ref('Problem') } } };
  const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$' } };
  const forwardResponse = (description: string) => ({ description, headers: { ETag: { schema: { type: 'string' } } }, content: { 'application/json': { schema: ref('Forward') } } });
  return {
    openapi: '3.0.3',
    info: { title: 'private-link-forwarder', version, description: 'Forwards: TCP services reached from isolated spokes through Private Link.' },
    paths: {
      '/forwards': {
        get: { operationId: 'listForwards', responses: { 200: { description: 'Every forward with its phase', content: { 'application/json': { schema: ref('ForwardList') } } }, 503: problem } },
      },
      '/forwards/{name}': {
        parameters: [nameParam],
        put: {
          operationId: 'putForward',
          parameters: [{ name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ForwardSpec') } } },
          responses: { 200: forwardResponse('Unchanged (identical spec)'), 202: forwardResponse('Accepted: the spec is stored and being reconciled'), 400: problem, 412: problem, 503: problem },
        },
        get: { operationId: 'getForward', responses: { 200: forwardResponse('The forward'), 404: problem, 503: problem } },
        delete: {
          operationId: 'deleteForward',
          parameters: [{ name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } }],
          responses: { 202: forwardResponse('Accepted: teardown in reverse order'), 404: problem, 412: problem, 503: problem },
        },
      },
      '/openapi.json': { get: { operationId: 'openApi', responses: { 200: { description: 'This document', content: { 'application/json': { schema: { type: 'object' } } } } } } },
    },
    components: {
      schemas: {
        PortMapping: {
          type: 'object',
          additionalProperties: false,
          required: ['port'],
          properties: { port: { type: 'integer', minimum: 1, maximum: 65535 }, targetPort: { type: 'integer', minimum: 1, maximum: 65535, description: 'defaults to port' } },
        },
        ForwardSpec: {
          type: 'object',
          additionalProperties: false,
          required: ['ports', 'targets'],
          properties: {
            ports: { type: 'array', minItems: 1, maxItems: LIMITS.ports, items: ref('PortMapping'), description: 'listen ports, unique' },
            targets: { type: 'array', minItems: 1, maxItems: LIMITS.targets, items: { type: 'string', format: 'ipv4' }, description: 'IPv4 only; no 0.0.0.0, loopback, link-local, 168.63.129.16 or multicast' },
            nodes: {
              type: 'object',
              additionalProperties: false,
              properties: {
                count: { type: 'integer', minimum: LIMITS.nodes.min, maximum: LIMITS.nodes.max, default: DEFAULTS.nodes.count },
                vmSize: { type: 'string', default: DEFAULTS.nodes.vmSize },
                zones: { type: 'array', items: { type: 'string', enum: ['1', '2', '3'] }, default: DEFAULTS.nodes.zones },
              },
            },
            consumers: {
              type: 'object',
              additionalProperties: false,
              properties: {
                allow: { type: 'array', maxItems: LIMITS.consumers, items: { type: 'object', required: ['subscriptionId'], properties: { subscriptionId: { type: 'string', format: 'uuid' }, virtualNetworkIds: { type: 'array', items: { type: 'string' } } } } },
                unmatched: { type: 'string', enum: ['leavePending', 'reject'], default: DEFAULTS.consumers.unmatched },
                maxConnections: { type: 'integer', minimum: LIMITS.maxConnections.min, maximum: LIMITS.maxConnections.max, default: DEFAULTS.consumers.maxConnections },
              },
            },
            dns: {
              type: 'object',
              additionalProperties: false,
              required: ['zoneName', 'recordName'],
              properties: { zoneName: { type: 'string' }, recordName: { type: 'string' }, ttl: { type: 'integer', minimum: LIMITS.ttl.min, maximum: LIMITS.ttl.max, default: DEFAULTS.dnsTtl } },
            },
            probes: {
              type: 'array',
              maxItems: LIMITS.probes,
              items: { type: 'object', required: ['subnetId'], properties: { subnetId: { type: 'string' }, every: { type: 'string', description: 'ISO 8601 duration, PT5M..P1D', default: DEFAULTS.probeEvery } } },
            },
            placement: { type: 'object', additionalProperties: false, properties: { resourceGroup: { type: 'string' }, subnetId: { type: 'string' }, location: { type: 'string' } } },
            agent: {
              type: 'object',
              additionalProperties: false,
              properties: {
                intervalSeconds: { type: 'integer', minimum: 1, maximum: 300, default: DEFAULTS.agent.intervalSeconds },
                connectTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 30, default: DEFAULTS.agent.connectTimeoutSeconds },
              },
            },
          },
        },
        Condition: {
          type: 'object',
          required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
          properties: { type: { type: 'string' }, status: { type: 'string', enum: ['True', 'False', 'Unknown'] }, reason: { type: 'string' }, message: { type: 'string' }, lastTransitionTime: { type: 'string', format: 'date-time' } },
        },
        ForwardStatus: {
          type: 'object',
          required: ['phase', 'observedGeneration', 'conditions', 'resources', 'nodes'],
          properties: {
            phase: { type: 'string', enum: ['Provisioning', 'Ready', 'Updating', 'Degraded', 'Deleting', 'Failed'] },
            observedGeneration: { type: 'integer' },
            conditions: { type: 'array', items: ref('Condition') },
            resources: { type: 'object', properties: { loadBalancerId: { type: 'string' }, scaleSetId: { type: 'string' }, privateLinkServiceId: { type: 'string' } } },
            privateLinkServiceAlias: { type: 'string' },
            frontendIp: { type: 'string' },
            nodes: { type: 'array', items: { type: 'object', properties: { instanceId: { type: 'string' }, ip: { type: 'string' }, health: { type: 'string' }, latestModelApplied: { type: 'boolean' } } } },
            error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
          },
        },
        Forward: {
          type: 'object',
          required: ['name', 'generation', 'spec', 'status'],
          properties: { name: { type: 'string' }, generation: { type: 'integer' }, deleting: { type: 'boolean' }, spec: ref('ForwardSpec'), status: ref('ForwardStatus'), createdAt: { type: 'string' }, updatedAt: { type: 'string' } },
        },
        ForwardList: {
          type: 'object',
          properties: { value: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, generation: { type: 'integer' }, observedGeneration: { type: 'integer' }, phase: { type: 'string' }, deleting: { type: 'boolean' } } } } },
        },
        Problem: {
          type: 'object',
          required: ['title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            problems: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
      securitySchemes: { functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' } },
    },
    security: [{ functionKey: [] }],
  };
}
