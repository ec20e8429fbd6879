// The Event Grid subscription that wakes the app's connections flow: the provider subscription's
// system topic (Microsoft.Resources.Subscriptions) -> the app's Event Grid trigger, with the same
// filters the local stack applies (eventgrid-filters.json, loaded here, never copied).
// Deployed by infra/hooks/postdeploy.sh once the code is deployed: Event Grid checks that the
// function exists when the subscription is created, so this cannot run with main.bicep.
// The AzureFunction endpoint type needs no key: nothing secret is in this template.
targetScope = 'resourceGroup'

@description('Name of the subscription system topic (created by main.bicep, or an existing one: Azure allows one per source).')
param systemTopicName string

@description('Name of the control plane Function App (main.bicep output functionAppName).')
param functionAppName string

@description('Resource group of the Function App, when it is not the topic\'s.')
param functionAppResourceGroup string = resourceGroup().name

@description('Subscription of the Function App, when it is not the topic\'s (a consumer subscription\'s topic).')
param functionAppSubscriptionId string = subscription().subscriptionId

var filters = loadJsonContent('eventgrid-filters.json')

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource subscriptionToApp 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 'plf-${filters.functionName}'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: resourceId(functionAppSubscriptionId, functionAppResourceGroup, 'Microsoft.Web/sites/functions', functionAppName, filters.functionName)
        maxEventsPerBatch: 1
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: filters.includedEventTypes
      advancedFilters: filters.advancedFilters
    }
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
  }
}

output eventSubscriptionId string = subscriptionToApp.id
