/**
 * Registers every orchestrator and activity with the durable-functions app. Imported by
 * functions/durable.ts so the Functions host (devhost or Azure) loads them from the `main` glob.
 */
import './activities/connections-failed';
import './activities/connections-pass';
import './activities/ensure-resource';
import './activities/find-forward-of-resource';
import './activities/finish-reconcile';
import './activities/load-forward';
import './activities/recycle';
import './activities/list-nodes';
import './activities/remove-forward';
import './activities/remove-forward-records';
import './activities/probes';
import './activities/remove-resource';
import './activities/remove-service-connections';
import './activities/resource-state';
import './activities/upgrade-node';
import './activities/write-status';
import './probe-run';
import './reconcile-connections';
import './reconcile-forward';
import './recycle-node';
import './route-resource-event';
