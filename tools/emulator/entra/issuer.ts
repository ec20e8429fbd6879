import { createHash, createPublicKey, generateKeyPair, type JsonWebKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArmResponse } from '../arm/types';

/**
 * A local Microsoft Entra ID token issuer for the topology's tenant, so the app can check tokens
 * locally exactly as deployed (PLF_AUTH=entra). It models the two v2 endpoints a token checker
 * reads, on the emulator's own HTTPS origin instead of https://login.microsoftonline.com:
 *
 *   GET /{tenant}/v2.0/.well-known/openid-configuration   the OpenID Connect metadata document
 *   GET /{tenant}/discovery/v2.0/keys                     the JSON Web Key Set (the signing keys)
 *
 * (learn.microsoft.com/entra/identity-platform/v2-protocols-oidc, "Find your app's OpenID
 * configuration document URI": authority `https://login.microsoftonline.com/{tenant}/v2.0` plus
 * `/.well-known/openid-configuration`; its `jwks_uri` is `.../{tenant}/discovery/v2.0/keys` and its
 * `issuer` `https://login.microsoftonline.com/{tenant}/v2.0`, `id_token_signing_alg_values_supported`
 * ["RS256"].) The local issuer is `https://127.0.0.1:{port}/{tenant}/v2.0`.
 *
 * One RSA 2048 signing key per emulator run (Entra signs with RSA keys, RS256), generated at start
 * when a key file is asked for — `npm start` keeps it in the stack's folder for `npm run token` —
 * else at first use. Its key id is the RFC 7638 thumbprint of the public key. A key in the set
 * carries `kty`, `use: "sig"`, `kid`, `n`, `e` and `issuer` as Entra's do; Entra's `x5t` and
 * `x5c` (the key's certificate) are left out: the app reads `n`/`e`, and a checker that needs the
 * certificate fails here rather than pass by luck.
 *
 * Only the topology's tenant exists: another tenant (id or name) is 400 `invalid_tenant`
 * (AADSTS90002, "Tenant '{tenant}' not found", learn.microsoft.com/entra/identity-platform/
 * reference-error-codes; the body's exact fields for these two endpoints are unverified here).
 * Tokens are not issued over HTTP (no /oauth2/v2.0/token endpoint): the local signing key signs
 * them directly (tools/devhost/local-token.ts).
 */
export interface SigningKey {
  kid: string;
  /** PKCS#8 PEM of the RSA private key. */
  privateKeyPem: string;
  /** The public key as it appears in the key set (which adds the issuer). */
  publicJwk: JsonWebKey & { kid: string; use: 'sig' };
}

/** The file `npm start` keeps the signing key in (mode 0600): what `npm run token` signs with. */
export interface SigningKeyFile {
  kid: string;
  alg: 'RS256';
  privateKeyPem: string;
}

export interface EntraIssuerInfo {
  tenantId: string;
  /** The `iss` of its tokens. */
  issuer: string;
  jwksUrl: string;
  openIdConfigurationUrl: string;
  /** Where the signing key was written, when asked. */
  signingKeyFile?: string;
}

export class EntraIssuer {
  private key?: Promise<SigningKey>;
  private baseUrl = '';

  constructor(
    readonly tenantId: string,
    private readonly signingKeyFile?: string,
  ) {}

  /** Called once the emulator listens: the issuer URL carries its origin. Writes the key file when one was asked for. */
  async start(baseUrl: string): Promise<void> {
    this.baseUrl = baseUrl;
    if (!this.signingKeyFile) return;
    const key = await this.signingKey();
    const file: SigningKeyFile = { kid: key.kid, alg: 'RS256', privateKeyPem: key.privateKeyPem };
    fs.mkdirSync(path.dirname(this.signingKeyFile), { recursive: true });
    // A key left by an earlier run is replaced, never reused: tokens of that run die with it.
    fs.rmSync(this.signingKeyFile, { force: true });
    fs.writeFileSync(this.signingKeyFile, JSON.stringify(file, null, 2), { mode: 0o600 });
  }

  info(): EntraIssuerInfo {
    const authority = `${this.baseUrl}/${this.tenantId}`;
    return {
      tenantId: this.tenantId,
      issuer: `${authority}/v2.0`,
      jwksUrl: `${authority}/discovery/v2.0/keys`,
      openIdConfigurationUrl: `${authority}/v2.0/.well-known/openid-configuration`,
      ...(this.signingKeyFile ? { signingKeyFile: this.signingKeyFile } : {}),
    };
  }

  signingKey(): Promise<SigningKey> {
    this.key ??= newSigningKey();
    return this.key;
  }

  /** The answer for a request on one of the two endpoints, or undefined when the path is not one of them. */
  async handle(method: string, pathname: string): Promise<ArmResponse | undefined> {
    const m = /^\/([^/]+)\/(?:(v2\.0\/\.well-known\/openid-configuration)|(discovery\/v2\.0\/keys))$/.exec(pathname);
    if (!m || method !== 'GET') return undefined;
    const tenant = decodeURIComponent(m[1]);
    if (tenant.toLowerCase() !== this.tenantId.toLowerCase()) {
      return {
        status: 400,
        body: {
          error: 'invalid_tenant',
          error_description: `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          error_codes: [90002],
        },
      };
    }
    const info = this.info();
    if (m[2]) {
      const authority = `${this.baseUrl}/${this.tenantId}`;
      return {
        status: 200,
        body: {
          issuer: info.issuer,
          jwks_uri: info.jwksUrl,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'ver', 'oid', 'roles', 'name', 'preferred_username'],
          tenant_region_scope: null,
        },
      };
    }
    const key = await this.signingKey();
    return { status: 200, body: { keys: [{ ...key.publicJwk, issuer: info.issuer }] } };
  }
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey } = await new Promise<{ privateKey: string }>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }, (err, _pub, priv) => (err ? reject(err) : resolve({ privateKey: priv }))),
  );
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  // RFC 7638: SHA-256 over the required members in lexicographic order, base64url.
  const kid = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');
  return { kid, privateKeyPem: privateKey, publicJwk: { kty: jwk.kty, use: 'sig', kid, n: jwk.n, e: jwk.e } };
}
