import { AppRoles } from '../../core/auth';
import { localStackToken } from '../../tools/devhost/local-token';
import type { StackInfo } from '../../tools/devhost/stack-file';
import { apiTokenFrom } from './http';
import { out } from './steps';

/**
 * The bearer token the tools' API calls carry (undefined: none): PLF_API_TOKEN when set (an
 * explicit choice wins); else, when the tool's own stack runs with sign-in on (PLF_AUTH=entra in
 * the environment it inherits), an operator's token minted for that stack, valid `minutes`, as
 * `npm run token` mints one (tools/devhost/local-token.ts, the key in the stack folder `dir`).
 */
export async function apiBearerFor(dir: string, info: StackInfo, tool: string, minutes = 120): Promise<string | undefined> {
  const given = apiTokenFrom(process.env);
  if (given || info.auth?.mode !== 'entra') return given;
  const { token } = await localStackToken(dir, [AppRoles.operator], minutes);
  out(`${tool}: sign-in is on (PLF_AUTH=entra): the API calls carry a ${AppRoles.operator} token of the stack's local issuer\n`);
  return token;
}
