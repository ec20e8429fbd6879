import * as fs from 'node:fs';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { CLOCK_TOLERANCE_SECONDS, rolesOf, TOKEN_ALGORITHMS, type EntraSettings } from '../core/auth';

/**
 * Checks a Microsoft Entra ID token (a JWS in compact form) with `jose` (panva/jose 5.x, the
 * CommonJS build; 6.x is ESM-only and jest cannot load it on Node 20):
 * - signature: RS256 only, with the issuer's signing key named by the token's `kid`, from the JSON
 *   Web Key Set at `settings.jwksUrl`. The key set is fetched on first use and kept per URL (one
 *   per app instance); it is fetched again when older than 10 minutes, and when a token names a
 *   key it does not hold (Entra rolls its keys: learn.microsoft.com/entra/identity-platform/
 *   signing-key-rollover) — but at most once per 30 s (jose's cooldown), so tokens with made-up
 *   key ids cannot make the app hammer the issuer. Fetches time out after 5 s.
 * - `iss` equal to `settings.issuer`, `aud` equal to (or, for an array, containing)
 *   `settings.audience`, `exp` present and not past, `nbf` not in the future, both with
 *   CLOCK_TOLERANCE_SECONDS of skew (RFC 7519 4.1.4, 4.1.5).
 * Returns the token's app roles (`roles` claim), or why it was refused: `expired`, `invalid`
 * (anything else wrong with the token, including garbage), or `keys-unavailable` (the key set
 * could not be fetched or read: not the caller's fault, answered 503). `reason` is for the log:
 * jose's message, never the token.
 *
 * A failed fetch does not take the API down: while a key set was fetched before, tokens are checked
 * against those last good keys (Entra publishes a key well before it signs with it, and keeps a
 * retired one published for a while), and the issuer is not asked again for KEY_FETCH_PAUSE_MS
 * after a failure, so calls answer at once instead of each waiting for the fetch's timeout. Only
 * with no key set ever fetched is the answer `keys-unavailable`.
 *
 * The key set is fetched over https. With PLF_ARM_CA_FILE (the local stack: the emulator serves
 * the local issuer's keys over HTTPS with its own CA, as it serves ARM) that CA is trusted on top
 * of Node's built-in roots, as the ARM clients trust it (azure/client-factory.ts).
 */
export type TokenCheck = { ok: true; roles: string[] } | { ok: false; why: 'expired' | 'invalid' | 'keys-unavailable'; reason: string };

export interface KeySetOptions {
  /** PEM file of an extra CA to trust for the key set's https (the local emulator's). */
  caFile?: string;
  /** Milliseconds between two fetches of the key set for unknown key ids; default 30 000 (jose's). Tests set 0. */
  cooldownMs?: number;
  /** Milliseconds a fetched key set is taken as fresh; default 600 000. Tests set 0. */
  cacheMaxAgeMs?: number;
}

/** After a failed fetch of the key set, no new attempt for this long (the last good keys serve meanwhile); also the 503's Retry-After. */
export const KEY_FETCH_PAUSE_MS = 30_000;

/** The key set could not be fetched or read. */
class KeysUnavailable extends Error {}

const keySets = new Map<string, JWTVerifyGetKey>();

function keySet(jwksUrl: string, options: KeySetOptions): JWTVerifyGetKey {
  const cacheKey = JSON.stringify([jwksUrl, options.caFile ?? '', options.cooldownMs ?? null, options.cacheMaxAgeMs ?? null]);
  const hit = keySets.get(cacheKey);
  if (hit) return hit;
  const agent = options.caFile ? new https.Agent({ ca: [...tls.rootCertificates, fs.readFileSync(options.caFile, 'utf8')], keepAlive: true }) : undefined;
  const remote = createRemoteJWKSet(new URL(jwksUrl), {
    ...(agent ? { agent } : {}),
    timeoutDuration: 5_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
  });
  let failedAt = -Infinity;
  const getKey: JWTVerifyGetKey = async (header, token) => {
    const lastGood = remote.jwks();
    if (lastGood && Date.now() - failedAt < KEY_FETCH_PAUSE_MS) return createLocalJWKSet(lastGood)(header, token);
    try {
      return await remote(header, token);
    } catch (err) {
      // No key (or more than one) for the token's kid and alg: the token's problem.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      failedAt = Date.now();
      if (lastGood) return createLocalJWKSet(lastGood)(header, token);
      throw new KeysUnavailable(`the key set at ${jwksUrl} could not be used: ${(err as Error).message}`);
    }
  };
  keySets.set(cacheKey, getKey);
  return getKey;
}

export async function checkEntraToken(token: string, settings: EntraSettings, options: KeySetOptions = {}): Promise<TokenCheck> {
  try {
    const keys = keySet(settings.jwksUrl, options);
    const { payload } = await jwtVerify(token, keys, {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: [...TOKEN_ALGORITHMS],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
    });
    return { ok: true, roles: rolesOf(payload) };
  } catch (err) {
    if (err instanceof KeysUnavailable) return { ok: false, why: 'keys-unavailable', reason: err.message };
    // The CA file of PLF_ARM_CA_FILE unreadable: the app's own setup, not the caller's token.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') return { ok: false, why: 'keys-unavailable', reason: `the CA file could not be read: ${(err as Error).message}` };
    if (err instanceof errors.JWTExpired) return { ok: false, why: 'expired', reason: `${err.code}: ${err.message}` };
    const code = err instanceof errors.JOSEError ? err.code : (err as Error).name;
    return { ok: false, why: 'invalid', reason: `${code}: ${(err as Error).message}` };
  }
}
