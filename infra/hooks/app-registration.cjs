#!/usr/bin/env node
'use strict';
/**
 * azd hooks for the Entra ID app registration that signs callers in (azure.yaml):
 *   node ./infra/hooks/app-registration.cjs preprovision    before main.bicep is deployed
 *   node ./infra/hooks/app-registration.cjs postprovision   after it (the app's host is known)
 *
 * preprovision: unless PLF_AUTH_CLIENT_ID is already set in the azd environment (then the
 * registration is left as it is), upserts the registration through Microsoft Graph with
 * `az rest`, found again by its uniqueName (Graph's alternate key: PATCH
 * /applications(uniqueName='...') with `Prefer: create-if-missing`,
 * https://learn.microsoft.com/graph/api/application-upsert), so a rerun updates the same one:
 *   - the app roles of infra/app-roles.json, for users and applications, with stable ids;
 *   - the delegated scope user_impersonation (a client signing a person in asks a token for it);
 *   - v2 access tokens (api.requestedAccessTokenVersion 2: issuer .../<tenant>/v2.0, aud = client id);
 *   - the Application ID URI api://<appId> and the Azure CLI pre-authorized for the scope, in a
 *     second PATCH when the registration is new (the appId is assigned at creation, and a
 *     pre-authorization must name a scope that already exists);
 *   - its service principal (tokens are issued for it, app roles are assigned on it);
 * then stores the client id (`azd env set PLF_AUTH_CLIENT_ID`, which main.parameters.json hands
 * to main.bicep's authClientId) and the uniqueName (PLF_AUTH_APP_UNIQUE_NAME: "this hook manages
 * the registration").
 * postprovision: when the hook manages the registration, adds the web redirect URI main.bicep
 * outputs (AUTH_REDIRECT_URI, https://<app host>/.auth/login/aad/callback) and turns on ID token
 * issuance (web.implicitGrantSettings.enableIdTokenIssuance), which Easy Auth's browser sign-in
 * needs; for a registration given in PLF_AUTH_CLIENT_ID it prints what to add instead.
 *
 * Why Node and not sh: the hook runs before any build (so not TypeScript), builds JSON bodies
 * (escaping, stable ids from a hash) and reads JSON answers, which a POSIX shell cannot do without
 * jq or python; Node is already required to build the app. CommonJS, Node's own modules only.
 * The pure parts (ids, names, bodies) are exported for test/unit/app-registration.test.ts;
 * app-registration.d.cts types them.
 *
 * Needs: the Azure CLI signed in (`az login`) to the tenant of the deployment, as a user allowed to
 * register applications (or a service principal with Application.ReadWrite.OwnedBy).
 */
const { Buffer } = require('node:buffer');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { setTimeout: sleep } = require('node:timers/promises');

const GRAPH = 'https://graph.microsoft.com/v1.0';
/** Microsoft Azure CLI, a first-party public client: pre-authorized so `az account get-access-token` works for people. */
const AZURE_CLI_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
/** Namespace of the registration's stable ids (RFC 4122 name-based, SHA-1): any fixed UUID; never change it. */
const ID_NAMESPACE = '5b0c9c7e-3f0e-4c55-9a57-0a3e4f1d2b6a';
const SCOPE = 'user_impersonation';

/** RFC 4122 version 5 UUID of `name` in `namespace`: the same name gives the same id, always. */
function uuidV5(name, namespace = ID_NAMESPACE) {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const appRoleId = (value) => uuidV5(`app-role/${value}`);
const scopeId = () => uuidV5(`scope/${SCOPE}`);

/**
 * The registration's uniqueName for an azd environment of a subscription: readable, unique per
 * (subscription, environment name), at most 64 characters of [a-z0-9-] (so it needs no quoting
 * in the OData key). Errors: an empty environment name or subscription id.
 */
function uniqueNameFor(subscriptionId, envName) {
  if (!subscriptionId || !envName) throw new Error('uniqueNameFor needs the subscription id and the azd environment name');
  const slug = envName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30) || 'env';
  const hash = crypto.createHash('sha256').update(`${subscriptionId.toLowerCase()}/${envName}`).digest('hex').slice(0, 10);
  return `private-link-forwarder-${slug}-${hash}`;
}

/** Graph URL of the registration by uniqueName. */
function applicationUrl(uniqueName) {
  if (!/^[a-z0-9-]{1,120}$/.test(uniqueName)) throw new Error(`not a uniqueName this hook makes: ${JSON.stringify(uniqueName)}`);
  return `${GRAPH}/applications(uniqueName='${uniqueName}')`;
}

/**
 * The application body: roles from app-roles.json (`[{ value, displayName, description }]`),
 * the scope, v2 tokens; with `appId` also the identifier URI and the CLI's pre-authorization.
 * Graph replaces complex properties (`api`) whole, so every pass states all of `api`.
 */
function applicationBody({ displayName, roles, appId }) {
  const body = {
    displayName,
    description: 'Sign-in for the private-link-forwarder API. Managed by azd (infra/hooks/app-registration.cjs).',
    signInAudience: 'AzureADMyOrg',
    appRoles: roles.map((r) => ({
      id: appRoleId(r.value),
      value: r.value,
      displayName: r.displayName,
      description: r.description,
      allowedMemberTypes: ['User', 'Application'],
      isEnabled: true,
    })),
    api: {
      requestedAccessTokenVersion: 2,
      oauth2PermissionScopes: [
        {
          id: scopeId(),
          value: SCOPE,
          type: 'User',
          adminConsentDisplayName: 'Call the private-link-forwarder API',
          adminConsentDescription: "Lets the client call the private-link-forwarder API as the signed-in user; the user's app roles decide what is allowed.",
          userConsentDisplayName: 'Call the private-link-forwarder API',
          userConsentDescription: 'Lets the client call the private-link-forwarder API as you; your app roles decide what is allowed.',
          isEnabled: true,
        },
      ],
      ...(appId ? { preAuthorizedApplications: [{ appId: AZURE_CLI_APP_ID, delegatedPermissionIds: [scopeId()] }] } : {}),
    },
  };
  if (appId) body.identifierUris = [`api://${appId}`];
  return body;
}

/**
 * The `web` PATCH that adds `redirectUri` and ID token issuance to an application's current
 * `web` (its other settings kept: Graph replaces `web` whole); undefined when both are there.
 */
function webBody(web, redirectUri) {
  if (!/^https:\/\/[^/\s]+\/\.auth\/login\/aad\/callback$/.test(redirectUri || '')) throw new Error(`not an Easy Auth redirect URI: ${JSON.stringify(redirectUri)}`);
  const current = web || {};
  const redirectUris = current.redirectUris || [];
  const implicit = current.implicitGrantSettings || {};
  if (redirectUris.includes(redirectUri) && implicit.enableIdTokenIssuance === true) return undefined;
  return {
    web: {
      ...(current.homePageUrl !== undefined ? { homePageUrl: current.homePageUrl } : {}),
      ...(current.logoutUrl !== undefined ? { logoutUrl: current.logoutUrl } : {}),
      redirectUris: redirectUris.includes(redirectUri) ? redirectUris : [...redirectUris, redirectUri],
      implicitGrantSettings: { enableAccessTokenIssuance: implicit.enableAccessTokenIssuance === true, enableIdTokenIssuance: true },
    },
  };
}

/** The roles of infra/app-roles.json. */
function loadRoles(file = path.join(__dirname, '..', 'app-roles.json')) {
  return JSON.parse(fs.readFileSync(file, 'utf8')).appRoles;
}

// ---- the impure part: az, azd, the environment ---------------------------------------------------

/** Runs a program; `exec` is replaceable for tests. Answers { status, stdout, stderr, error }. */
function spawn(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '', error: r.error };
}

class HookError extends Error {}

function tools(exec) {
  const call = (cmd, args) => {
    const r = exec(cmd, args);
    if (r.error && r.error.code === 'ENOENT') throw new HookError(`${cmd} is not installed or not on PATH (${cmd === 'az' ? 'the Azure CLI, signed in with `az login`' : 'the Azure Developer CLI'})`);
    return r;
  };
  /** az rest; JSON answer, or undefined for an empty one; `notFound` answers undefined on 404. */
  const rest = (method, url, { body, headers = [], notFound = false } = {}) => {
    const args = ['rest', '--method', method, '--url', url, '--output', 'json'];
    if (body !== undefined) args.push('--headers', 'Content-Type=application/json', ...headers, '--body', JSON.stringify(body));
    else if (headers.length) args.push('--headers', ...headers);
    const r = call('az', args);
    if (r.status !== 0) {
      if (notFound && /Request_ResourceNotFound|\bNot Found\b|\b404\b/.test(r.stderr)) return undefined;
      throw new HookError(`az rest --method ${method} ${url} failed (exit ${r.status}): ${r.stderr.trim()}`);
    }
    return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  };
  const azd = (...args) => {
    const r = call('azd', args);
    if (r.status !== 0) throw new HookError(`azd ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`);
  };
  const signedInTenant = () => {
    const r = call('az', ['account', 'show', '--query', 'tenantId', '--output', 'tsv']);
    if (r.status !== 0) throw new HookError(`the Azure CLI is not signed in (az account show: ${r.stderr.trim()}): run \`az login\` to the deployment's tenant`);
    return r.stdout.trim();
  };
  return { rest, azd, signedInTenant };
}

/**
 * preprovision. `env` is azd's environment (process.env in a hook), `exec` runs az and azd,
 * `log` prints, `pauseMs` spaces the retries while a new registration replicates.
 */
async function preprovision(env, { exec = spawn, log = console.log, pauseMs = 5000 } = {}) {
  const given = (env.PLF_AUTH_CLIENT_ID || '').trim();
  if (given) {
    log(`app registration: PLF_AUTH_CLIENT_ID is set (${given}): leaving that registration as it is`);
    return;
  }
  const envName = env.AZURE_ENV_NAME;
  const subscriptionId = env.AZURE_SUBSCRIPTION_ID;
  if (!envName || !subscriptionId) throw new HookError('AZURE_ENV_NAME and AZURE_SUBSCRIPTION_ID are not set: run this through azd (azd provision / azd up)');
  const { rest, azd, signedInTenant } = tools(exec);
  const tenant = signedInTenant();
  if (env.AZURE_TENANT_ID && env.AZURE_TENANT_ID.toLowerCase() !== tenant.toLowerCase()) {
    throw new HookError(`the Azure CLI is signed in to tenant ${tenant}, the azd environment deploys to tenant ${env.AZURE_TENANT_ID}: run \`az login --tenant ${env.AZURE_TENANT_ID}\``);
  }
  const uniqueName = uniqueNameFor(subscriptionId, envName);
  const url = applicationUrl(uniqueName);
  const input = { displayName: `private-link-forwarder API (${envName})`, roles: loadRoles() };
  const upsert = (body) => rest('PATCH', url, { body, headers: ['Prefer=create-if-missing'] });

  const existing = rest('GET', `${url}?$select=id,appId`, { notFound: true });
  let appId = existing && existing.appId;
  if (!appId) {
    const created = upsert(applicationBody(input));
    appId = created && created.appId;
    for (let i = 0; !appId && i < 6; i++) {
      await sleep(pauseMs);
      appId = (rest('GET', `${url}?$select=id,appId`, { notFound: true }) || {}).appId;
    }
    if (!appId) throw new HookError(`created ${uniqueName}, but Graph did not answer its appId`);
    log(`app registration: created ${uniqueName} (client id ${appId}) in tenant ${tenant}`);
  }
  upsert(applicationBody({ ...input, appId }));

  // The service principal, once: a new registration may take a moment to be visible to it.
  const spUrl = `${GRAPH}/servicePrincipals(appId='${appId}')`;
  for (let i = 0; !rest('GET', `${spUrl}?$select=id`, { notFound: true }); i++) {
    try {
      rest('POST', `${GRAPH}/servicePrincipals`, { body: { appId } });
    } catch (err) {
      if (i >= 5) throw err;
      await sleep(pauseMs);
    }
  }
  azd('env', 'set', 'PLF_AUTH_CLIENT_ID', appId);
  azd('env', 'set', 'PLF_AUTH_APP_UNIQUE_NAME', uniqueName);
  log(`app registration: ${uniqueName} up to date: app roles ${input.roles.map((r) => r.value).join(', ')}, api://${appId}, v2 tokens; PLF_AUTH_CLIENT_ID=${appId}`);
}

/** postprovision: the redirect URI and ID tokens for Easy Auth's browser sign-in. */
async function postprovision(env, { exec = spawn, log = console.log } = {}) {
  const redirectUri = env.AUTH_REDIRECT_URI;
  if (!redirectUri) throw new HookError('AUTH_REDIRECT_URI is not set: it is an output of infra/main.bicep, which azd puts in the environment after provisioning');
  const uniqueName = (env.PLF_AUTH_APP_UNIQUE_NAME || '').trim();
  if (!uniqueName) {
    log(`app registration: ${env.PLF_AUTH_CLIENT_ID || 'the given one'} is not managed by this hook. For browser sign-in, add the web redirect URI ${redirectUri} and turn on ID tokens (Authentication > Implicit grant > ID tokens) in it.`);
    return;
  }
  const { rest } = tools(exec);
  const url = applicationUrl(uniqueName);
  const app = rest('GET', `${url}?$select=appId,web`);
  const body = webBody(app && app.web, redirectUri);
  if (!body) {
    log(`app registration: ${uniqueName} already has ${redirectUri} and ID tokens`);
    return;
  }
  rest('PATCH', url, { body });
  log(`app registration: ${uniqueName}: web redirect URI ${redirectUri}, ID tokens on`);
}

async function main(argv, env) {
  const command = argv[0];
  const hooks = { preprovision, postprovision };
  if (argv.length !== 1 || !Object.prototype.hasOwnProperty.call(hooks, command)) {
    console.error('usage: node infra/hooks/app-registration.cjs preprovision|postprovision (azd runs it: azure.yaml)');
    return 2;
  }
  try {
    await hooks[command](env);
    return 0;
  } catch (err) {
    if (!(err instanceof HookError)) throw err;
    console.error(`app registration (${command}): ${err.message}`);
    return 1;
  }
}

module.exports = { uuidV5, appRoleId, scopeId, uniqueNameFor, applicationUrl, applicationBody, webBody, loadRoles, preprovision, postprovision, main, HookError, AZURE_CLI_APP_ID, GRAPH };

if (require.main === module) {
  main(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
