import { afterEach, describe, expect, it } from 'vitest';
import { type StartedWorker, startWorker, WorkerStartError } from './worker-calls.js';

type Request = { op: 'ask'; value: string } | { op: 'heapLimit' } | { op: 'stop' };

let worker: StartedWorker<Request, unknown> | undefined;

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

const start = (onCall?: (question: string) => unknown) =>
  startWorker<Request, unknown, never, string>({
    module: new URL('./testing/echo-worker.ts', import.meta.url),
    data: {},
    label: 'the echo thread',
    onCall,
  });

describe('Function: callParent', () => {
  it("gets the caller's answer, each call its own, while many are in flight", async () => {
    // Prepare
    worker = await start(async (question) => `answer to ${question}`);
    // Act
    const answers = await Promise.all(['a', 'b', 'c'].map((value) => worker!.call({ op: 'ask', value })));
    // Assess
    expect(answers).toEqual(['answer to a', 'answer to b', 'answer to c']);
  });

  it("gets the caller's error by name and message", async () => {
    // Prepare
    worker = await start(() => {
      throw new RangeError('no such question');
    });
    // Act
    const answer = await worker.call({ op: 'ask', value: 'a' });
    // Assess
    expect(answer).toBe('refused: RangeError: no such question');
  });

  it('is refused with a readable error when the caller takes no calls', async () => {
    // Prepare
    worker = await start();
    // Act
    const answer = await worker.call({ op: 'ask', value: 'a' });
    // Assess
    expect(answer).toBe('refused: Error: the echo thread called its caller, which takes no calls');
  });
});

describe('Method: StartedWorker.utilization', () => {
  it("reports the thread's event loop time, growing as it runs", async () => {
    // Prepare
    worker = await start(async (question) => question);
    const before = worker.utilization();
    // Act
    await worker.call({ op: 'ask', value: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = worker.utilization();
    // Assess
    expect(after.active + after.idle).toBeGreaterThan(before.active + before.idle);
    expect(after.utilization).toBeGreaterThanOrEqual(0);
    expect(after.utilization).toBeLessThanOrEqual(1);
  });
});

describe('Function: startWorker', () => {
  it("bounds the thread's old generation when told to, and leaves V8's default otherwise", async () => {
    // Prepare
    const limited = await startWorker<Request>({
      module: new URL('./testing/echo-worker.ts', import.meta.url),
      data: {},
      label: 'the echo thread',
      maxOldGenerationSizeMb: 256,
    });
    worker = await start();
    // Act
    const bounded = await limited.call<number>({ op: 'heapLimit' });
    const unbounded = await worker.call<number>({ op: 'heapLimit' });
    await limited.stop();
    // Assess: 256 MB of old generation plus the young generation's semi-spaces
    expect(bounded / 2 ** 20).toBeGreaterThanOrEqual(256);
    expect(bounded / 2 ** 20).toBeLessThan(512);
    expect(unbounded).toBeGreaterThan(bounded);
  });
});

describe('Function: failed', () => {
  it('fails the start with one line, the error name and message, and keeps the stack apart', async () => {
    // Act
    const started = startWorker<Request, unknown, never, string>({
      module: new URL('./testing/echo-worker.ts', import.meta.url),
      data: { failStart: 'the seed file is not JSON' },
      label: 'the echo thread',
    });
    const error = await started.catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(WorkerStartError);
    expect((error as Error).message).toBe(
      'the echo thread did not start: RangeError: the seed file is not JSON',
    );
    expect((error as WorkerStartError).threadStack).toMatch(/echo-worker\.ts/);
  });
});
