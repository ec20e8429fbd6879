// The control plane of private-link-forwarder: a Flex Consumption Function App (Node 22) with a
// user-assigned identity, its storage account (durable task hub + forward registry tables),
// Application Insights, the hub role on the hub resource group (in the hub subnet's subscription),
// and Entra ID sign-in (Easy Auth) in front of the API for the app registration authClientId,
// which azd's preprovision hook creates (infra/hooks/app-registration.cjs).
// Forwards themselves (LB, VMSS, PLS) are created at run time by the app, not by this template.
// Checked by `npm run check:infra` (tools/infra-check/): compiled and linted by the Bicep CLI,
// and its predicted resources for main.parameters.json with sample values asserted on.
targetScope = 'resourceGroup'

@description('Name prefix for every resource of the control plane: 3 to 11 characters, lower-case letters, digits and hyphens (the storage account takes it without the hyphens, since its name allows letters and digits only).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'plf'

param location string = resourceGroup().location

@description('azd environment name: tags every resource (azd-env-name) so azd finds them.')
param environmentName string

var tags = { 'azd-env-name': environmentName }

@description('Resource group in which forwards are created (load balancer, scale set, private link service).')
param hubResourceGroupName string

@description('Subnet for load balancer frontends and PLS NAT IPs (private link service network policies disabled): a resource id /subscriptions/<hub subscription>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>. Its subscription is the hub subscription: the app creates forwards there, and the hub role is assigned there.')
param hubSubnetId string

@description('Optional SSH public key placed on forwarder nodes; empty means no interactive login at all.')
param nodeSshPublicKey string = ''

@description('Client id (appId) of the Entra ID app registration that signs callers in: the app roles of app-roles.json, v2 access tokens, the Application ID URI api://<client id>. azd\'s preprovision hook (infra/hooks/app-registration.cjs) creates it and sets PLF_AUTH_CLIENT_ID, unless PLF_AUTH_CLIENT_ID is already set.')
@minLength(36)
@maxLength(36)
param authClientId string

@description('An existing system topic of this subscription (Azure allows one per source): its name, in this resource group. Empty creates one.')
param existingSystemTopicName string = ''

var suffix = uniqueString(resourceGroup().id)
// Storage account names are 3-24 lower-case letters and digits: no hyphen, whatever the prefix has.
var storageName = take(toLower('${replace(namePrefix, '-', '')}${suffix}'), 24)

// The hub subscription is the hub subnet's, as the app takes it (core/app-settings.ts hubPlacement).
var hubSubscriptionId = split(hubSubnetId, '/')[2]

// Sign-in: Entra ID v2 tokens of this tenant (the registration asks v2 access tokens:
// api.requestedAccessTokenVersion 2). The issuer and its signing keys' URL as the app checks them
// (PLF_AUTH_ISSUER, PLF_AUTH_JWKS_URL) and as Easy Auth is told (openIdIssuer); loginEndpoint
// ends with '/' ('https://login.microsoftonline.com/' in the public cloud).
var loginEndpoint = environment().authentication.loginEndpoint
var signInIssuer = '${loginEndpoint}${tenant().tenantId}/v2.0'
var signInKeysUrl = '${loginEndpoint}${tenant().tenantId}/discovery/v2.0/keys'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  tags: tags
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: 'deployments'
}

// Monitoring: Application Insights on a Log Analytics workspace, local (key) auth off: the app
// sends telemetry with its identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING + Monitoring
// Metrics Publisher below).
resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  tags: tags
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-ai-${suffix}'
  location: location
  tags: tags
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id, DisableLocalAuth: true }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, 'monitoring-metrics-publisher')
  scope: insights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb') // Monitoring Metrics Publisher
  }
}

// The app's identity: user-assigned, so its principal exists before the app and consumer
// subscription owners can grant it their roles (README, "Deploy to Azure") ahead of time.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id-${suffix}'
  location: location
  tags: tags
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  tags: tags
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  kind: 'functionapp'
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: '${namePrefix}-func-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identity.id}': {} } }
  tags: union(tags, { 'azd-service-name': 'api' })
  // The deployment container only appears in a URL string (no implicit dependency), and the host
  // starts at once: both its package container and its storage roles come first, as in
  // Microsoft's Flex Consumption samples.
  dependsOn: [deployments, storageRoleAssignments]
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}deployments'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      runtime: { name: 'node', version: '22' }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
    }
    siteConfig: {
      appSettings: [
        // Identity-based storage: no account key anywhere.
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.properties.primaryEndpoints.table }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        // The ARM clients' DefaultAzureCredential picks the user-assigned identity by this.
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        { name: 'PLF_HUB_SUBSCRIPTION_ID', value: hubSubscriptionId }
        { name: 'PLF_HUB_RESOURCE_GROUP', value: hubResourceGroupName }
        { name: 'PLF_HUB_SUBNET_ID', value: hubSubnetId }
        { name: 'PLF_LOCATION', value: location }
        { name: 'PLF_NODE_SSH_PUBLIC_KEY', value: nodeSshPublicKey }
        // The app validates every API call's Entra ID token itself (signature, issuer, audience,
        // expiry, roles): a bearer token, or the ID token Easy Auth's token store passes on.
        { name: 'PLF_AUTH', value: 'entra' }
        { name: 'PLF_AUTH_ISSUER', value: signInIssuer }
        { name: 'PLF_AUTH_AUDIENCE', value: authClientId }
        { name: 'PLF_AUTH_JWKS_URL', value: signInKeysUrl }
      ]
    }
  }
}

// Microsoft Entra ID sign-in in front of the API (Easy Auth), a first gate: calls without a token
// get 401. The app checks the token again itself (PLF_AUTH=entra above) and never trusts
// x-ms-client-principal. A browser signs in at /.auth/login/aad (output SIGN_IN_URL; the hook
// gives the registration the redirect URI AUTH_REDIRECT_URI and ID tokens); the token store keeps
// the session's ID token, which Easy Auth passes on as x-ms-token-aad-id-token for the app to
// validate. Not signed in: Event Grid's deliveries (protected by the host's system key / the
// AzureFunction endpoint type), the health probe and the OpenAPI document (anonymous in code).
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [ '/runtime/webhooks/eventgrid', '/api/health', '/api/openapi.json' ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: signInIssuer
        }
        validation: { allowedAudiences: [ authClientId, 'api://${authClientId}' ] }
      }
    }
    login: { tokenStore: { enabled: true } }
  }
}

// Storage roles the Functions host and the durable task hub need with identity-based connections.
// Blob Data Owner, not Contributor: the host takes its timer and singleton locks as blob leases
// and creates its containers ("Connecting to host storage with an identity", learn.microsoft.com/
// azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity).
var storageRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: {
  name: guid(storage.id, identity.id, role)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

// The hub role where the app creates forwards: the hub resource group of the hub subnet's
// subscription (which may differ from this deployment's; the deployer needs the right to create
// roles and assign them there).
module hubRoles 'hub-roles.bicep' = {
  name: 'plf-hub-roles'
  scope: resourceGroup(hubSubscriptionId, hubResourceGroupName)
  params: { principalId: identity.properties.principalId }
}

// The provider subscription's system topic. Its event subscription to the app's Event Grid
// trigger (eventgrid-subscription.bicep, filters from eventgrid-filters.json) is created by
// hooks/postdeploy.sh, once the function exists.
var systemTopicName = empty(existingSystemTopicName) ? '${namePrefix}-events-${suffix}' : existingSystemTopicName

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = if (empty(existingSystemTopicName)) {
  name: systemTopicName
  location: 'global'
  tags: tags
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_URL string = 'https://${app.properties.defaultHostName}'
// Browser sign-in to the status page (Easy Auth's login route, then back to /api/ui).
output SIGN_IN_URL string = 'https://${app.properties.defaultHostName}/.auth/login/aad?post_login_redirect_uri=/api/ui'
// The web redirect URI Easy Auth's login needs in the registration: the postprovision hook adds it.
output AUTH_REDIRECT_URI string = 'https://${app.properties.defaultHostName}/.auth/login/aad/callback'
output APPLICATIONINSIGHTS_NAME string = insights.name
output functionAppName string = app.name
output principalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
// Read by hooks/postdeploy.sh (azd puts outputs in the environment under these names).
output FUNCTION_APP_NAME string = app.name
output EVENTGRID_SYSTEM_TOPIC_NAME string = systemTopicName
// The registration callers sign in to: ask tokens for api://<it>.
output AUTH_CLIENT_ID string = authClientId
