/** Loads the orchestrations and activities (they register themselves with durable-functions). */
import './telemetry';
import '../orchestrations';
