#!/bin/sh
# azd postdeploy hook: subscribes the app's Event Grid trigger to the provider subscription's
# system topic, now that the function exists (Event Grid checks it at creation). Idempotent.
# Uses azd's environment: AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and main.bicep's outputs
# (the subscription is passed explicitly: az CLI's default subscription may be another one).
set -eu
: "${AZURE_RESOURCE_GROUP:?run through azd}"
: "${AZURE_SUBSCRIPTION_ID:?run through azd}"
: "${EVENTGRID_SYSTEM_TOPIC_NAME:?main.bicep output missing}"
: "${FUNCTION_APP_NAME:?main.bicep output missing}"
cd "$(dirname "$0")/.."
az deployment group create \
  --name plf-eventgrid-subscription \
  --subscription "$AZURE_SUBSCRIPTION_ID" \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --template-file eventgrid-subscription.bicep \
  --parameters systemTopicName="$EVENTGRID_SYSTEM_TOPIC_NAME" functionAppName="$FUNCTION_APP_NAME" \
  --output none
echo "postdeploy: Event Grid subscription plf-connectionEvents on $EVENTGRID_SYSTEM_TOPIC_NAME -> $FUNCTION_APP_NAME"
