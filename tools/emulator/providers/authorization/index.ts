import { ArmError, invalidParameters } from '../../arm/errors';
import { APP_PRINCIPAL, roleAssignments, type RoleAssignment } from '../../arm/authorization';
import { isObject } from '../../arm/stored-resource';
import type { ArmResponse } from '../../arm/types';
import type { Topology } from '../../topology/topology';
import type { EmulatorProvider } from '../provider';

/**
 * Role assignments (arm/authorization.ts checks them on every ARM request of the app's token):
 * seeded from the topology's `roleAssignments` on start and reset, managed at run time with
 *   GET    /_emulator/role-assignments          -> {value: [...], principals: {app: {objectId, clientId}}}
 *   PUT    /_emulator/role-assignments/{name}   {principalId?, scope, actions, notActions?} -> 200/201
 *   DELETE /_emulator/role-assignments/{name}   -> 204 (404 when absent)
 * `principalId` defaults to the app's object id. Takes effect at once (Azure's propagation delay is
 * not simulated: the product's bounded retry of AuthorizationFailed is tested without it).
 */
export function validateRoleAssignment(name: string, b: unknown): RoleAssignment {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) problems.push(`name '${name}' must be 1-128 letters, digits, '.', '_' or '-'.`);
  if (!isObject(b)) throw invalidParameters([...problems, 'Body must be a JSON object {principalId?, scope, actions, notActions?}.']);
  if (b.principalId !== undefined && (typeof b.principalId !== 'string' || b.principalId === '')) problems.push('principalId must be a non-empty string (default: the app).');
  if (typeof b.scope !== 'string' || !/^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+(\/providers\/.+)?)?$/i.test(b.scope.replace(/\/+$/, ''))) problems.push('scope must be a subscription, resource group or resource id.');
  const list = (k: 'actions' | 'notActions', required: boolean) => {
    const v = b[k];
    if (v === undefined && !required) return;
    if (!Array.isArray(v) || (required && v.length === 0) || v.some((a) => typeof a !== 'string' || !/^[A-Za-z0-9.*/_-]+$/.test(a))) problems.push(`${k} must be ${required ? 'a non-empty' : 'an'} array of actions (e.g. "Microsoft.Network/privateEndpoints/read", wildcards "*").`);
  };
  list('actions', true);
  list('notActions', false);
  const unknown = Object.keys(b).filter((k) => !['principalId', 'scope', 'actions', 'notActions'].includes(k));
  if (unknown.length) problems.push(`unknown field(s): ${unknown.join(', ')}.`);
  if (problems.length) throw invalidParameters(problems);
  return {
    name,
    principalId: (b.principalId as string | undefined) ?? APP_PRINCIPAL.objectId,
    scope: (b.scope as string).replace(/\/+$/, ''),
    actions: [...(b.actions as string[])],
    ...(b.notActions ? { notActions: [...(b.notActions as string[])] } : {}),
  };
}

const principals = { app: APP_PRINCIPAL };

export const provider: EmulatorProvider = {
  name: 'authorization',
  seedPriority: 5,
  seed(emu, topology: Topology) {
    const list = roleAssignments(emu);
    list.length = 0;
    const seeds = topology.roleAssignments;
    if (seeds === undefined) return;
    if (!Array.isArray(seeds)) throw invalidParameters(['topology.roleAssignments must be an array.'], 'InvalidTopology');
    seeds.forEach((s, i) => list.push(validateRoleAssignment(isObject(s) && typeof s.name === 'string' ? s.name : `topology-${i}`, isObject(s) ? Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'name')) : s)));
  },
  control: [
    { method: 'GET', pattern: /^\/role-assignments$/, handle: (ctx): ArmResponse => ({ status: 200, body: { value: roleAssignments(ctx.emu), principals } }) },
    {
      method: 'PUT',
      pattern: /^\/role-assignments\/([^/]+)$/,
      handle(ctx): ArmResponse {
        const a = validateRoleAssignment(decodeURIComponent(ctx.match[1]), ctx.body);
        const list = roleAssignments(ctx.emu);
        const at = list.findIndex((x) => x.name === a.name);
        if (at >= 0) list[at] = a;
        else list.push(a);
        return { status: at >= 0 ? 200 : 201, body: a };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/role-assignments\/([^/]+)$/,
      handle(ctx): ArmResponse {
        const name = decodeURIComponent(ctx.match[1]);
        const list = roleAssignments(ctx.emu);
        const at = list.findIndex((x) => x.name === name);
        if (at < 0) throw new ArmError(404, 'RoleAssignmentNotFound', `No role assignment ${name}.`);
        list.splice(at, 1);
        return { status: 204 };
      },
    },
  ],
};
