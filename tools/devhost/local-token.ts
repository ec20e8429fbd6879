import { createPrivateKey, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { SignJWT } from 'jose';
import { readStackFile, stackFilePath, type StackAuth } from './stack-file';

/**
 * Tokens for the local stack, signed with the signing key of its local Entra ID issuer (the
 * emulator's, tools/emulator/entra/issuer.ts), shaped as Entra's v2 access tokens for the app
 * registration: header `{alg: RS256, typ: JWT, kid}`; claims `iss` (the issuer), `aud` (the app's
 * client id), `iat`, `nbf`, `exp`, `sub`, `oid`, `tid`, `ver: "2.0"`, `roles` (app role values)
 * (learn.microsoft.com/entra/identity-platform/access-token-claims-reference). `npm run token`,
 * `npm run demo` and the tests mint through here, so a token the tests accept is one the script
 * prints.
 */

/** The local app registration's client id: the audience of local tokens (the local stack's PLF_AUTH_AUDIENCE). */
export const LOCAL_CLIENT_ID = '00000000-0000-0000-0000-00000000a9e1';

/** Who the local tokens are for: a local developer, the same subject every time. */
const LOCAL_USER = { sub: 'local-developer', oid: '00000000-0000-0000-0000-00000000d0e1', name: 'local developer' };

/**
 * The app's sign-in settings on the local stack: PLF_AUTH from the environment (default `off`),
 * and the local issuer's URLs and audience (tools/devhost/local-token.ts LOCAL_CLIENT_ID) as
 * PLF_AUTH_ISSUER, PLF_AUTH_JWKS_URL and PLF_AUTH_AUDIENCE — each unless the environment sets it.
 */
export function localSignIn(env: Readonly<Record<string, string | undefined>>, issuer: { issuer: string; jwksUrl: string }): { mode: string; settings: { PLF_AUTH: string; PLF_AUTH_ISSUER: string; PLF_AUTH_AUDIENCE: string; PLF_AUTH_JWKS_URL: string } } {
  const pick = (name: string, local: string) => env[name]?.trim() || local;
  const settings = {
    PLF_AUTH: pick('PLF_AUTH', 'off'),
    PLF_AUTH_ISSUER: pick('PLF_AUTH_ISSUER', issuer.issuer),
    PLF_AUTH_AUDIENCE: pick('PLF_AUTH_AUDIENCE', LOCAL_CLIENT_ID),
    PLF_AUTH_JWKS_URL: pick('PLF_AUTH_JWKS_URL', issuer.jwksUrl),
  };
  return { mode: settings.PLF_AUTH, settings };
}

export interface LocalKey {
  kid: string;
  privateKeyPem: string;
}

export interface MintOptions {
  issuer: string;
  audience: string;
  key: LocalKey;
  /** App role values for the `roles` claim. */
  roles: readonly string[];
  /** Lifetime in minutes; default 60 (Entra's access tokens live 60-90 minutes). */
  minutes?: number;
  /** When the token is issued; default now. */
  now?: Date;
}

export async function mintLocalToken(o: MintOptions): Promise<string> {
  const iat = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const tenant = /\/([^/]+)\/v2\.0$/.exec(o.issuer)?.[1];
  return new SignJWT({ ...(tenant ? { tid: tenant } : {}), oid: LOCAL_USER.oid, name: LOCAL_USER.name, ver: '2.0', roles: [...o.roles], uti: randomUUID() })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: o.key.kid })
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setSubject(LOCAL_USER.sub)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + Math.round((o.minutes ?? 60) * 60))
    .sign(createPrivateKey(o.key.privateKeyPem));
}

/** The signing key file the emulator wrote (`{kid, alg, privateKeyPem}`); throws naming the file when it is not one. */
export function readLocalKey(file: string): LocalKey {
  let parsed: Partial<LocalKey>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalKey>;
  } catch (err) {
    throw new Error(`the local issuer's signing key ${file} could not be read: ${(err as Error).message}`);
  }
  if (typeof parsed.kid !== 'string' || typeof parsed.privateKeyPem !== 'string') throw new Error(`${file} is not a signing key file (kid, privateKeyPem)`);
  return { kid: parsed.kid, privateKeyPem: parsed.privateKeyPem };
}

/** The running stack of `localDir` and its sign-in; throws a sentence saying what is missing. */
export function localStackAuth(localDir: string): { devhost: string; auth: StackAuth } {
  const info = readStackFile(localDir);
  if (!info) throw new Error(`no running stack in ${localDir} (no live ${stackFilePath(localDir)}): start one with npm start (PLF_AUTH=entra npm start for sign-in), or set PLF_LOCAL_DIR to its folder`);
  if (!info.auth) throw new Error(`the stack in ${localDir} names no local issuer in ${stackFilePath(localDir)}: restart it with this version (npm start)`);
  return { devhost: info.devhost, auth: info.auth };
}

/** A token for the running stack of `localDir` with `roles`, valid `minutes`. */
export async function localStackToken(localDir: string, roles: readonly string[], minutes?: number): Promise<{ token: string; devhost: string; auth: StackAuth }> {
  const { devhost, auth } = localStackAuth(localDir);
  const token = await mintLocalToken({ issuer: auth.issuer, audience: auth.audience, key: readLocalKey(auth.signingKeyFile), roles, ...(minutes !== undefined ? { minutes } : {}) });
  return { token, devhost, auth };
}
