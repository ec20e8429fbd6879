// The Entra ID app registration that signs callers in (App Service authentication in front of the
// API), created by `azd up` when main.bicep's authClientId is empty; main.bicep then takes the
// client id from this module's output. Microsoft Graph resources through the Microsoft Graph
// Bicep extension: alias microsoftGraphV1, declared in bicepconfig.json as the GA types
// v1.0:1.0.0 (https://learn.microsoft.com/graph/templates/bicep/whats-new; needs Bicep 0.36.1 or
// newer). Resource shapes: the extension's reference
// (https://learn.microsoft.com/graph/templates/bicep/reference/applications?view=graph-bicep-1.0)
// and Microsoft's azd sample Azure-Samples/azmcp-foundry-aca-mi, infra/modules/entra-app.bicep,
// whose two passes over one registration this module follows (see below).
//
// Idempotent: the registration is found again by its uniqueName (immutable, unique in the
// tenant), so every `azd up` updates the same one. It lives in the tenant, not in a resource
// group: `azd down` leaves it (delete it with `az ad app delete --id <client id>`).
//
// The deployer needs, in Entra ID: as a user, the right to register applications (member users
// have it unless the tenant turned it off; otherwise the Application Developer role); as a
// service principal (CI), the Microsoft Graph application permission Application.ReadWrite.OwnedBy.
// Assigning the app roles to people and clients is left out: that needs an owner of the
// enterprise application or an admin role (README, "Deploy to Azure").
extension microsoftGraphV1

@description('Immutable key of the registration in the tenant (the extension\'s alternate key).')
param uniqueName string

@description('Name shown in Entra ID.')
param displayName string

var registrationDescription = 'Sign-in for the private-link-forwarder API (App Service authentication). Created by azd: infra/app-registration.bicep.'

// The app role values are one list with the code: core/auth.ts checks them, and
// test/unit/app-registration.test.ts compares its AppRoles with app-roles.json.
// Role ids only need to be unique within the registration and stable across deployments.
var appRoles = [for role in loadJsonContent('app-roles.json').appRoles: {
  id: guid('private-link-forwarder', 'app-role', role.value)
  value: role.value
  displayName: role.displayName
  description: role.description
  allowedMemberTypes: [ 'User', 'Application' ]
  isEnabled: true
}]

// A delegated scope for people: a client that signs a person in (the Azure CLI, pre-authorized
// below, for `az account get-access-token`) needs one to ask a token for. What the caller may do
// is still decided by the app roles alone.
var userScopeId = guid('private-link-forwarder', 'scope', 'user_impersonation')
var userScopes = [
  {
    id: userScopeId
    value: 'user_impersonation'
    type: 'User'
    adminConsentDisplayName: 'Call the private-link-forwarder API'
    adminConsentDescription: 'Lets the client call the private-link-forwarder API as the signed-in user; the user\'s app roles decide what is allowed.'
    userConsentDisplayName: 'Call the private-link-forwarder API'
    userConsentDescription: 'Lets the client call the private-link-forwarder API as you; your app roles decide what is allowed.'
    isEnabled: true
  }
]
var azureCliAppId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46' // Microsoft Azure CLI (first-party client)

// First pass: the registration with its roles and scope. v2 access tokens: issuer
// <login>/<tenant>/v2.0 (main.bicep's openIdIssuer) and audience = the client id.
resource registration 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  description: registrationDescription
  signInAudience: 'AzureADMyOrg'
  appRoles: appRoles
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: userScopes
  }
  // The deployer stays an owner, so later deployments may update the registration with
  // Application.ReadWrite.OwnedBy (relationships are appended, never replaced).
  owners: { relationships: [ deployer().objectId ] }
}

// Second pass over the same registration (same uniqueName), for what the first cannot say:
// - the Application ID URI api://<appId>: the appId is assigned by Entra ID at creation
//   (microsoftgraph/msgraph-bicep-types#239, microsoftgraph/microsoft-graph-docs#22192); this is
//   the form every identifier URI restriction of a tenant accepts
//   (https://learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions);
// - the pre-authorized client: its delegatedPermissionIds must name a scope that already exists,
//   not one defined in the same request (microsoftgraph/microsoft-graph-docs-contrib#1395).
// Everything of the first pass but the owners is stated again, so the result is the same
// whichever way the extension applies an update (on a later deployment the first pass may drop
// the pre-authorization for a moment; this pass puts it back).
resource registrationUris 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  description: registrationDescription
  signInAudience: 'AzureADMyOrg'
  appRoles: appRoles
  identifierUris: [ 'api://${registration.appId}' ]
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: userScopes
    preAuthorizedApplications: [
      { appId: azureCliAppId, delegatedPermissionIds: [ userScopeId ] }
    ]
  }
}

// The registration's enterprise application in this tenant: tokens are issued for it and the
// app roles are assigned on it.
resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: registrationUris.appId
}

output clientId string = registrationUris.appId
output servicePrincipalId string = servicePrincipal.id
