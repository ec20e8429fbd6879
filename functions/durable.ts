/** Loads the orchestrations and activities (they register themselves with durable-functions). */
// package.json "main" loads telemetry.js before every other file (Microsoft's OpenTelemetry set-up);
// this import keeps it first when the app is loaded another way.
import './telemetry';
import '../orchestrations';
