import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { calculateJwkThumbprint, createRemoteJWKSet, jwtVerify, type JWK } from 'jose';
import { mintLocalToken, readLocalKey } from '../../tools/devhost/local-token';
import { startTestEmulator, IDS } from './helpers/emulator';
import { emulatorPerFile } from './helpers/per-file';

/**
 * The emulator's local Entra ID issuer (tools/emulator/entra/issuer.ts, AZURE-RULES.md ENTRA-n):
 * Entra's v2 metadata document and key set for the topology's tenant on the emulator's HTTPS
 * origin, and a signing key per run, written to a file when asked (`npm start` keeps it in the
 * stack's folder for `npm run token`). Tokens minted as `npm run token` mints them
 * (tools/devhost/local-token.ts) verify against the served key set with `jose`.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-entra-emu-'));
const keyFile = path.join(dir, 'signing-key.json');
const t = emulatorPerFile({ signingKeyFile: keyFile });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const authority = () => `${t().emu.url}/${IDS.tenant}`;

describe('the local Entra ID issuer', () => {
  it('ENTRA-1 the v2 metadata document names the issuer and its key set, signing RS256; the control API names the same', async () => {
    const r = await t().raw<Record<string, unknown>>('GET', `/${IDS.tenant}/v2.0/.well-known/openid-configuration`, { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ issuer: `${authority()}/v2.0`, jwks_uri: `${authority()}/discovery/v2.0/keys`, id_token_signing_alg_values_supported: ['RS256'] });
    expect((await t().control('GET', '/entra')).body).toEqual({
      tenantId: IDS.tenant,
      issuer: `${authority()}/v2.0`,
      jwksUrl: `${authority()}/discovery/v2.0/keys`,
      openIdConfigurationUrl: `${authority()}/v2.0/.well-known/openid-configuration`,
      signingKeyFile: keyFile,
    });
  });

  it('ENTRA-2 the key set holds the public half of the signing key only, as Entra lists it (kid = RFC 7638 thumbprint)', async () => {
    const r = await t().raw<{ keys: (JWK & { issuer?: string })[] }>('GET', `/${IDS.tenant}/discovery/v2.0/keys`, { token: null });
    expect(r.status).toBe(200);
    expect(r.body.keys).toHaveLength(1);
    const [key] = r.body.keys;
    expect(Object.keys(key).sort()).toEqual(['e', 'issuer', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', e: 'AQAB', issuer: `${authority()}/v2.0` });
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty: 'RSA', n: key.n, e: key.e }));
  });

  it("ENTRA-2 a token signed with the key file's key verifies against the served key set, over the emulator's HTTPS", async () => {
    const key = readLocalKey(keyFile);
    expect((fs.statSync(keyFile).mode & 0o777).toString(8)).toBe('600');
    const token = await mintLocalToken({ issuer: `${authority()}/v2.0`, audience: 'client-id', key, roles: ['Forwards.Read'] });
    const keys = createRemoteJWKSet(new URL(`${authority()}/discovery/v2.0/keys`), { agent: new https.Agent({ ca: t().emu.caPem }) });
    const { payload, protectedHeader } = await jwtVerify(token, keys, { issuer: `${authority()}/v2.0`, audience: 'client-id', algorithms: ['RS256'] });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(payload).toMatchObject({ roles: ['Forwards.Read'], ver: '2.0', tid: IDS.tenant, sub: 'local-developer' });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it.each([
    ['the metadata document', 'v2.0/.well-known/openid-configuration'],
    ['the key set', 'discovery/v2.0/keys'],
  ])('ENTRA-3 %s of a tenant that is not the topology\'s: 400 invalid_tenant (AADSTS90002)', async (_what, tail) => {
    const r = await t().raw<{ error: string; error_description: string; error_codes: number[] }>('GET', `/00000000-0000-0000-0000-0000000000ff/${tail}`, { token: null });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002], error_description: expect.stringMatching(/^AADSTS90002: Tenant '00000000-0000-0000-0000-0000000000ff' not found/) });
  });

  it('ENTRA-4 every start makes a new signing key and replaces the file: tokens of an earlier run are not taken', async () => {
    const before = readLocalKey(keyFile).kid;
    const again = await startTestEmulator({ signingKeyFile: keyFile });
    try {
      const after = readLocalKey(keyFile).kid;
      expect(after).not.toBe(before);
      const served = await again.raw<{ keys: JWK[] }>('GET', `/${IDS.tenant}/discovery/v2.0/keys`, { token: null });
      expect(served.body.keys.map((k) => k.kid)).toEqual([after]);
    } finally {
      await again.stop();
    }
  });
});
