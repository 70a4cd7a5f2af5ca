// The real subscriber thread, made to crash once per data folder: when its first invocation
// arrives it throws outside any call, as a bug would, and leaves a marker file beside its
// database so that the thread started after the crash runs as it is.
import { existsSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { workerInput } from '../../worker-thread/worker-calls.js';
import type { SubscriberThreadData, SubscriberThreadRequest } from '../protocol.js';

await import('../subscriber-thread-main.js');

const marker = `${workerInput<SubscriberThreadData>().dbFile}.crashed`;
if (!existsSync(marker)) {
  parentPort?.on('message', (request: SubscriberThreadRequest) => {
    if (request.op !== 'invoke' || existsSync(marker)) return;
    writeFileSync(marker, '');
    setImmediate(() => {
      throw new Error('a bug in a subscriber');
    });
  });
}
