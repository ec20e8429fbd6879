// The control plane of private-link-forwarder: a Flex Consumption Function App (Node 22) with a
// user-assigned identity, its storage account (durable task hub + forward registry tables),
// Application Insights, role assignments on the hub resource group, and, when no client id is
// given, the Entra ID app registration that signs callers in (app-registration.bicep).
// Forwards themselves (LB, VMSS, PLS) are created at run time by the app, not by this template.
targetScope = 'resourceGroup'

@description('Name prefix for every resource of the control plane.')
@minLength(3)
@maxLength(11)
param namePrefix string = 'plf'

param location string = resourceGroup().location

@description('azd environment name: tags every resource (azd-env-name) so azd finds them.')
param environmentName string

var tags = { 'azd-env-name': environmentName }

@description('Resource group in which forwards are created (load balancer, scale set, private link service).')
param hubResourceGroupName string

@description('Subnet for load balancer frontends and PLS NAT IPs (private link service network policies disabled).')
param hubSubnetId string

@description('Optional SSH public key placed on forwarder nodes; empty means no interactive login at all.')
param nodeSshPublicKey string = ''

@description('Client id of an existing Entra ID app registration that signs callers in (App Service authentication), with the app roles of app-roles.json and the Application ID URI api://<client id>. Empty: app-registration.bicep creates one (README, "Deploy to Azure").')
param authClientId string = ''

@description('An existing system topic of this subscription (Azure allows one per source): its name, in this resource group. Empty creates one.')
param existingSystemTopicName string = ''

var suffix = uniqueString(resourceGroup().id)
var storageName = toLower('${namePrefix}${suffix}')

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(storageName, 24)
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

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  name: '${storage.name}/default/deployments'
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
        { name: 'PLF_HUB_SUBSCRIPTION_ID', value: subscription().subscriptionId }
        { name: 'PLF_HUB_RESOURCE_GROUP', value: hubResourceGroupName }
        { name: 'PLF_HUB_SUBNET_ID', value: hubSubnetId }
        { name: 'PLF_LOCATION', value: location }
        { name: 'PLF_NODE_SSH_PUBLIC_KEY', value: nodeSshPublicKey }
        // The functions trust the principal header only because Easy Auth (below) is on.
        { name: 'PLF_AUTH', value: 'easyauth' }
      ]
    }
  }
}

// The app registration that signs callers in: the one given, or, when authClientId is empty, one
// created in the tenant (Microsoft Graph Bicep extension; the deployer needs the right to
// register applications: README, "Deploy to Azure"). Its uniqueName is fixed per resource group,
// so every deployment updates the same registration.
module appRegistration 'app-registration.bicep' = if (empty(authClientId)) {
  name: 'plf-app-registration'
  params: {
    uniqueName: '${namePrefix}-api-${suffix}'
    displayName: 'private-link-forwarder API (${environmentName}, ${resourceGroup().name})'
  }
}

var signInClientId = empty(authClientId) ? appRegistration!.outputs.clientId : authClientId

// Microsoft Entra ID sign-in in front of the API (Easy Auth). API clients without a token get 401;
// the functions check the app roles from the principal Easy Auth passes on (PLF_AUTH=easyauth).
// Event Grid's deliveries and the health probe do not sign in: their paths are excluded (the
// Event Grid endpoint is protected by the host's system key / the AzureFunction endpoint type).
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [ '/runtime/webhooks/eventgrid', '/api/health' ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: signInClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: [ 'api://${signInClientId}', signInClientId ] }
      }
    }
    login: { tokenStore: { enabled: false } }
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

module hubRoles 'hub-roles.bicep' = {
  name: 'plf-hub-roles'
  scope: resourceGroup(hubResourceGroupName)
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
output APPLICATIONINSIGHTS_NAME string = insights.name
output functionAppName string = app.name
output principalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
// Read by hooks/postdeploy.sh (azd puts outputs in the environment under these names).
output FUNCTION_APP_NAME string = app.name
output EVENTGRID_SYSTEM_TOPIC_NAME string = systemTopicName
// The registration callers sign in to (given or created): ask tokens for api://<it>.
output AUTH_CLIENT_ID string = signInClientId
