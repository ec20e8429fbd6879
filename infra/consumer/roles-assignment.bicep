// One role assignment in one resource group (infra/consumer/roles.bicep calls it per resource
// group and role): the control plane's identity gets the custom role here and nowhere else.
targetScope = 'resourceGroup'

@description('Principal id of the control plane\'s user-assigned identity.')
param principalId string

@description('Resource id of the role definition (a custom role of infra/consumer/roles.bicep).')
param roleDefinitionId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: roleDefinitionId
  }
}
