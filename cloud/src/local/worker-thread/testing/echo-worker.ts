// A worker for the supervisor's tests: `echo` answers with its value and the thread's id;
// `crash` throws outside any call, as a bug would, which ends the thread; `ask` calls the
// caller with its value and answers with the caller's answer (or its error's text);
// `heapLimit` answers the thread's heap size limit in bytes. With `failStart` in its data it
// fails to start, as a thread whose set-up throws.
import { getHeapStatistics } from 'node:v8';
import { threadId } from 'node:worker_threads';
import { answerCalls, callParent, failed, ready, workerInput } from '../worker-calls.js';

const { failStart } = workerInput<{ failStart?: string }>() ?? {};
if (failStart) failed(new RangeError(failStart));

type Request =
  | { op: 'echo'; value: string }
  | { op: 'ask'; value: string }
  | { op: 'crash' }
  | { op: 'heapLimit' }
  | { op: 'stop' };

answerCalls<Request>(async (req) => {
  if (req.op === 'echo') return { value: req.value, threadId };
  if (req.op === 'ask')
    return callParent<string>(req.value).catch((e: Error) => `refused: ${e.name}: ${e.message}`);
  if (req.op === 'heapLimit') return getHeapStatistics().heap_size_limit;
  if (req.op === 'crash') {
    setImmediate(() => {
      throw new Error('a bug in the worker');
    });
    return new Promise(() => {}); // never answered: the crash comes first
  }
  return undefined;
});
ready();
