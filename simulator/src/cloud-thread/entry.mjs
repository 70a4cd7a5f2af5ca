// Worker entry: a worker thread does not inherit the TypeScript loader registered in the
// main thread by the bin shim, so it registers its own before loading the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./cloud-thread-main.ts');
