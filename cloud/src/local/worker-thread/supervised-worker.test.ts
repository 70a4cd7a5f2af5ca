import { afterEach, describe, expect, it } from 'vitest';
import { SupervisedWorker, WorkerStoppedError, WorkerUnavailableError } from './supervised-worker.js';
import { startWorker, WorkerExitedError } from './worker-calls.js';

type Request = { op: 'echo'; value: string } | { op: 'crash' } | { op: 'stop' };
type Echo = { value: string; threadId: number };

const start = () =>
  startWorker<Request>({
    module: new URL('./testing/echo-worker.ts', import.meta.url),
    data: {},
    label: 'the echo thread',
  });

let supervised: SupervisedWorker<Request> | undefined;

afterEach(async () => {
  await supervised?.stop();
  supervised = undefined;
});

describe('Class: SupervisedWorker', () => {
  it('fails the call in flight when the thread crashes, starts a new thread and answers the next call', async () => {
    // Prepare
    const crashes: Array<{ error: Error; delayMs: number }> = [];
    supervised = await SupervisedWorker.start({
      start,
      label: 'the echo thread',
      backoff: { baseMs: 50 },
      onCrash: (c) => crashes.push(c),
    });
    const before = await supervised.call<Echo>({ op: 'echo', value: 'a' });
    // Act
    const inFlight = supervised.call({ op: 'crash' });
    await expect(inFlight).rejects.toBeInstanceOf(WorkerExitedError);
    const after = await supervised.call<Echo>({ op: 'echo', value: 'b' });
    // Assess
    expect(after.value).toBe('b');
    expect(after.threadId).not.toBe(before.threadId);
    expect(supervised.restarts).toBe(1);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]?.delayMs).toBe(50);
    expect(crashes[0]?.error.message).toMatch(
      /the echo thread exited \(code 1\): Error: a bug in the worker/,
    );
  });

  it('doubles the delay for crashes in a row', async () => {
    // Prepare
    const delays: number[] = [];
    supervised = await SupervisedWorker.start({
      start,
      label: 'the echo thread',
      backoff: { baseMs: 20 },
      onCrash: (c) => delays.push(c.delayMs),
    });
    // Act
    await expect(supervised.call({ op: 'crash' })).rejects.toThrow(WorkerExitedError);
    await expect(supervised.call({ op: 'crash' })).rejects.toThrow(WorkerExitedError);
    await supervised.call({ op: 'echo', value: 'x' });
    // Assess
    expect(delays).toEqual([20, 40]);
  });

  it('gives up waiting after waitMs, and fails waiting calls when stopped during a restart', async () => {
    // Prepare: a restart 10 s away.
    supervised = await SupervisedWorker.start({
      start,
      label: 'the echo thread',
      backoff: { baseMs: 10_000 },
    });
    await expect(supervised.call({ op: 'crash' })).rejects.toThrow(WorkerExitedError);
    // Act
    const short = supervised.call({ op: 'echo', value: 'x' }, 50);
    const long = supervised.call({ op: 'echo', value: 'y' });
    await expect(short).rejects.toBeInstanceOf(WorkerUnavailableError);
    await supervised.stop();
    // Assess
    await expect(long).rejects.toThrow(/was stopped/);
    await expect(supervised.call({ op: 'echo', value: 'z' })).rejects.toThrow(/was stopped/);
  });

  it('refuses a call made after the stop with WorkerStoppedError: it never reached the thread', async () => {
    // Prepare
    supervised = await SupervisedWorker.start({ start, label: 'the echo thread' });
    // Act
    await supervised.stop();
    const refused = supervised.call({ op: 'echo', value: 'a' });
    // Assess
    await expect(refused).rejects.toBeInstanceOf(WorkerStoppedError);
    await expect(refused).rejects.toThrow('the echo thread was stopped');
  });
});
