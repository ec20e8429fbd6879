// Least privilege in the hub resource group where forwards live: one custom role with exactly
// the actions the code performs there (infra/roles.json `hub.actions`, equal to what the emulator's
// request log shows the product doing there: test/integration/roles.test.ts) plus the linked
// actions ARM checks when a scale set joins the subnet and the backend pool and a PLS the LB
// frontend (`hub.linkedActions`), instead of Network Contributor + Virtual Machine Contributor.
// main.bicep deploys it to the hub resource group of the hub subnet's subscription.
// Consumer-side roles: infra/consumer/roles.bicep, deployed by consumer owners.
targetScope = 'resourceGroup'

@description('Principal id of the control plane\'s user-assigned identity.')
param principalId string

var roles = loadJsonContent('roles.json')

resource hubRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'plf-hub-operator')
  properties: {
    roleName: 'Private Link Forwarder hub operator (${resourceGroup().name}, ${subscription().subscriptionId})'
    description: 'Creates and maintains private link forwards (LB, VM scale set, PLS), approves connections, writes their A records in private DNS zones of this group, reads health metrics.'
    type: 'CustomRole'
    assignableScopes: [ resourceGroup().id ]
    permissions: [
      {
        actions: concat(roles.hub.actions, roles.hub.linkedActions)
        notActions: []
      }
    ]
  }
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, 'plf-hub-operator')
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: hubRole.id
  }
}
