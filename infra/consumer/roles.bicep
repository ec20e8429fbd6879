// For the owner of a consumer subscription (or of a subscription holding private DNS zones a
// forward writes to): grants the control plane's user-assigned identity exactly what the code
// does here, as four custom roles (infra/roles.json `consumer`, one role per group), each assigned
// only on the resource groups listed for that job. Holds no secret. Deploy at subscription scope:
//   az deployment sub create -l <region> -f infra/consumer/roles.bicep \
//     -p principalId=<principalId output of main.bicep> \
//        endpointResourceGroups='["rg-spoke"]' dnsZoneResourceGroups='["rg-dns"]' probeResourceGroups='["rg-spoke"]'
// Each list may be empty (that job does not happen in this subscription). The resource groups
// must exist. Instead of this module an owner may grant built-in roles (README, "Pointing a
// consumer at it"): broader, same effect.
targetScope = 'subscription'

@description('Principal id of the control plane\'s user-assigned identity (output `principalId` of infra/main.bicep).')
param principalId string

@description('Resource groups of the private endpoints to forwards (their NICs are in the same group): read endpoints and NICs.')
param endpointResourceGroups array = []

@description('Resource groups of the private DNS zones named in forwards\' `dns`: read zones and their VNet links, read/write/delete A records.')
param dnsZoneResourceGroups array = []

@description('Resource groups probe container groups go in (a probe\'s `resourceGroup`, else its subnet\'s resource group): create, read, delete them and read their logs.')
param probeResourceGroups array = []

@description('Resource groups of the probe subnets\' VNets: read the VNet and join its subnets. ARM checks the join on the subnet, not where the container group goes, so this differs from probeResourceGroups when a probe names its own `resourceGroup`.')
param probeSubnetResourceGroups array = probeResourceGroups

var roles = loadJsonContent('../roles.json')

resource endpointsRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'plf-consumer-endpoints')
  properties: {
    roleName: 'Private Link Forwarder consumer endpoints (${subscription().subscriptionId})'
    description: 'Reads private endpoints and their NICs (to approve connections and name them in DNS).'
    type: 'CustomRole'
    assignableScopes: [ subscription().id ]
    permissions: [
      {
        actions: roles.consumer.endpoints
        notActions: []
      }
    ]
  }
}

resource dnsRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'plf-consumer-dns')
  properties: {
    roleName: 'Private Link Forwarder consumer DNS records (${subscription().subscriptionId})'
    description: 'Reads private DNS zones and their VNet links; reads, writes and deletes A records (its own, marked by metadata).'
    type: 'CustomRole'
    assignableScopes: [ subscription().id ]
    permissions: [
      {
        actions: roles.consumer.dns
        notActions: []
      }
    ]
  }
}

resource probesRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'plf-consumer-probes')
  properties: {
    roleName: 'Private Link Forwarder consumer probes (${subscription().subscriptionId})'
    description: 'Creates, reads and deletes probe container groups and reads their logs.'
    type: 'CustomRole'
    assignableScopes: [ subscription().id ]
    permissions: [
      {
        actions: roles.consumer.probes
        notActions: []
      }
    ]
  }
}

resource probeSubnetsRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'plf-consumer-probe-subnets')
  properties: {
    roleName: 'Private Link Forwarder consumer probe subnets (${subscription().subscriptionId})'
    description: 'Reads a probe subnet\'s VNet (delegation, region) and joins the subnet when a probe container group is created.'
    type: 'CustomRole'
    assignableScopes: [ subscription().id ]
    permissions: [
      {
        actions: roles.consumer.probeSubnets
        notActions: []
      }
    ]
  }
}

module endpointsGrants 'roles-assignment.bicep' = [for rg in endpointResourceGroups: {
  name: 'plf-endpoints-${uniqueString(rg, principalId)}'
  scope: resourceGroup(rg)
  params: {
    principalId: principalId
    roleDefinitionId: endpointsRole.id
  }
}]

module dnsGrants 'roles-assignment.bicep' = [for rg in dnsZoneResourceGroups: {
  name: 'plf-dns-${uniqueString(rg, principalId)}'
  scope: resourceGroup(rg)
  params: {
    principalId: principalId
    roleDefinitionId: dnsRole.id
  }
}]

module probesGrants 'roles-assignment.bicep' = [for rg in probeResourceGroups: {
  name: 'plf-probes-${uniqueString(rg, principalId)}'
  scope: resourceGroup(rg)
  params: {
    principalId: principalId
    roleDefinitionId: probesRole.id
  }
}]

module probeSubnetsGrants 'roles-assignment.bicep' = [for rg in probeSubnetResourceGroups: {
  name: 'plf-probe-subnets-${uniqueString(rg, principalId)}'
  scope: resourceGroup(rg)
  params: {
    principalId: principalId
    roleDefinitionId: probeSubnetsRole.id
  }
}]
