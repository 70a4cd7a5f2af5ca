// A worker for the supervisor's tests: `echo` answers with its value and the thread's id;
// `crash` throws outside any call, as a bug would, which ends the thread.
import { threadId } from 'node:worker_threads';
import { answerCalls, ready } from '../worker-calls.js';

type Request = { op: 'echo'; value: string } | { op: 'crash' } | { op: 'stop' };

answerCalls<Request>(async (req) => {
  if (req.op === 'echo') return { value: req.value, threadId };
  if (req.op === 'crash') {
    setImmediate(() => {
      throw new Error('a bug in the worker');
    });
    return new Promise(() => {}); // never answered: the crash comes first
  }
  return undefined;
});
ready();
