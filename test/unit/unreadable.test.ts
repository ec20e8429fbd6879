import { unreadableProblem } from '../../core/unreadable';

/** The sentence a connection shows when its endpoint or NIC cannot be read. */
const SUB = '00000000-0000-0000-0000-00000000c003';

describe('unreadableProblem', () => {
  it.each([
    ['403: no rights there', 'private endpoint', { status: 403, code: 'AuthorizationFailed' }, [`the private endpoint could not be read: AuthorizationFailed`, `no read rights in subscription ${SUB}`, 'infra/consumer/roles.bicep']],
    ['401: another tenant', 'NIC', { status: 401, code: 'InvalidAuthenticationTokenTenant' }, ['the NIC could not be read: InvalidAuthenticationTokenTenant', `subscription ${SUB} is in another tenant`]],
    ['404: gone', 'private endpoint', 'notFound', ['the private endpoint was not found']],
  ] as const)('%s', (_situation, what, why, parts) => {
    const text = unreadableProblem(what, SUB, why);
    for (const p of parts) expect(text).toContain(p);
  });
});
