#!/usr/bin/env node
// Runs the TypeScript CLI as is: tsx strips the types with esbuild (no type-checking at
// run time, so start-up stays fast) and caches the result between runs.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
