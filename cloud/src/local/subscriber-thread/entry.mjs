// Worker entry: a worker thread does not inherit the TypeScript loader the CLI registered
// in the main thread, so it registers its own before loading the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./subscriber-thread-main.ts');
