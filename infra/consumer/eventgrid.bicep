// For the owner of a consumer subscription (where private endpoints to a forward are created):
// sends that subscription's endpoint and NIC events to the control plane, so new connections are
// decided the moment they appear instead of at the next sweep. Holds no secret: the
// AzureFunction endpoint type is addressed by resource id. Deploy into any resource group of the
// consumer subscription, or, with existingSystemTopicName, into the resource group of that topic
// (it is looked up in the deployment's resource group):
//   az deployment group create -g <rg> -f infra/consumer/eventgrid.bicep \
//     -p functionAppName=<app> functionAppResourceGroup=<rg> functionAppSubscriptionId=<provider sub>
// Without it, the connections sweep (PLF_CONNECTIONS_SCHEDULE, every 5 minutes by default) still
// finds every connection on the provider side: approvals and DNS records are only later.
targetScope = 'resourceGroup'

param functionAppName string
param functionAppResourceGroup string
param functionAppSubscriptionId string

@description('An existing system topic of this subscription (Azure allows one per source), in the resource group deployed to; empty creates one.')
param existingSystemTopicName string = ''

var topicName = empty(existingSystemTopicName) ? 'plf-consumer-${uniqueString(subscription().id)}' : existingSystemTopicName

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = if (empty(existingSystemTopicName)) {
  name: topicName
  location: 'global'
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

module subscriptionToApp '../eventgrid-subscription.bicep' = {
  name: 'plf-consumer-eventgrid'
  dependsOn: [topic]
  params: {
    systemTopicName: topicName
    functionAppName: functionAppName
    functionAppResourceGroup: functionAppResourceGroup
    functionAppSubscriptionId: functionAppSubscriptionId
  }
}
