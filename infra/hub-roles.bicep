// Roles the control plane's identity needs in the hub resource group where forwards live:
// create LB/VMSS/PLS and approve connections (Network Contributor + Virtual Machine Contributor),
// read health metrics (Monitoring Reader). DNS and probe roles in consumer subscriptions are
// granted by their owners (Private DNS Zone Contributor, Contributor on the probe resource group).
targetScope = 'resourceGroup'

param principalId string

var roles = [
  '4d97b98b-1d4f-4787-a291-c67834d212e7' // Network Contributor
  '9980e02c-c2be-4d73-94e8-173b1dc7cf3c' // Virtual Machine Contributor
  '43d0d8ad-25c7-4714-9337-8ba259a9fe05' // Monitoring Reader
]

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(resourceGroup().id, principalId, role)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]
