import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { apiBearerFor } from '../../scripts/kit/sign-in';
import type { StackInfo } from '../../tools/devhost/stack-file';

/**
 * The tools' (`npm run demo`, `npm run smoke:azure -- --local`) API sign-in: PLF_API_TOKEN when set; else, for its own stack with
 * PLF_AUTH=entra, an operator token signed with that stack's local issuer key (as `npm run token`
 * signs: tools/devhost/local-token.ts), read through the stack's folder; else no header.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-demo-auth-'));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyFile = path.join(dir, 'signing-key.json');
fs.writeFileSync(keyFile, JSON.stringify({ kid: 'k1', alg: 'RS256', privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) }));
const auth = { issuer: 'https://127.0.0.1:9/t1/v2.0', audience: 'local-client', jwksUrl: 'https://127.0.0.1:9/t1/discovery/v2.0/keys', signingKeyFile: keyFile };
const stackOf = (mode: string): StackInfo => ({ pid: process.pid, devhost: 'http://127.0.0.1:1', emulator: 'https://127.0.0.1:9', caFile: '/x', auth: { mode, ...auth } });
let saved: string | undefined;
beforeAll(() => {
  saved = process.env.PLF_API_TOKEN;
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  if (saved === undefined) delete process.env.PLF_API_TOKEN;
  else process.env.PLF_API_TOKEN = saved;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the tools sign their API calls in', () => {
  it('PLF_API_TOKEN set: that token, whatever its stack', async () => {
    process.env.PLF_API_TOKEN = 'given.token.x';
    expect(await apiBearerFor(dir, stackOf('entra'), 'demo')).toBe('given.token.x');
  });

  it('its stack has sign-in off: no header', async () => {
    delete process.env.PLF_API_TOKEN;
    expect(await apiBearerFor(dir, stackOf('off'), 'demo')).toBeUndefined();
  });

  it("its stack has PLF_AUTH=entra: an operator token signed with the stack's key, for its issuer and audience", async () => {
    delete process.env.PLF_API_TOKEN;
    fs.writeFileSync(path.join(dir, 'stack.json'), JSON.stringify(stackOf('entra')));
    const token = (await apiBearerFor(dir, stackOf('entra'), 'demo'))!;
    const key = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'RS256');
    const { payload } = await jwtVerify(token, key, { issuer: auth.issuer, audience: auth.audience });
    expect(payload.roles).toEqual(['Forwards.Operate']);
    expect(decodeProtectedHeader(token).kid).toBe('k1');
    expect(decodeJwt(token).exp! - decodeJwt(token).iat!).toBe(7200);
  });
});
