// Where every local-cloud worker thread starts. A worker does not inherit the TypeScript
// loader the CLI registered in the main thread, so it registers its own before loading
// the module it was started for (worker-calls.ts passes its URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
