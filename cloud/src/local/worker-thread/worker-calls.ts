import type { EventLoopUtilization } from 'node:perf_hooks';
import { parentPort, Worker, workerData } from 'node:worker_threads';

/**
 * Run a TypeScript module in a worker thread and call it: requests `{ op, ... }` answered by
 * replies matched on an id, and one-way messages from the worker beside them. The worker
 * may call its caller too (`callParent`, answered by the caller's `onCall`). The local
 * cloud's threads (the cloud under the simulator, the subscribers under the cloud) use it.
 */

/** A request as the caller writes it: an operation and its fields. */
export type WorkerRequest = { op: string };

/** What the worker sends: its start (ready or failed), replies, and its own messages. */
export type WorkerOutMessage<Own> =
  | { kind: 'ready'; value: unknown }
  | { kind: 'failed'; error: string; stack?: string }
  | { kind: 'reply'; id: number; value?: unknown; error?: { name: string; message: string } }
  | { kind: 'own'; message: Own }
  | { kind: 'call'; id: number; message: unknown };

/** The caller's answer to a worker's `callParent`. */
interface ParentAnswer {
  answer: number;
  value?: unknown;
  error?: { name: string; message: string };
}

const errorFields = (error: unknown): { name: string; message: string } => {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message };
};

/** The worker ended (crashed, or was stopped) before it answered. */
export class WorkerExitedError extends Error {
  override name = 'WorkerExitedError';
}

/** The worker reported that it could not start. */
export class WorkerStartError extends Error {
  override name = 'WorkerStartError';
  constructor(
    message: string,
    /** Where in the thread it failed: for a bug report, not for the one-line message. */
    readonly threadStack?: string,
  ) {
    super(message);
  }
}

/** The worker's error, re-thrown here with its name and message. */
export class WorkerCallError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The entry every worker starts at: it loads tsx, then the module (see worker-entry.mjs). */
const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export interface StartedWorker<Req extends WorkerRequest, Ready> {
  /** What the worker's `ready()` carried. */
  ready: Ready;
  /** Send a request; resolves with the worker's answer or rejects with its error. */
  call<T = unknown>(request: Req): Promise<T>;
  /** Ask the worker to `stop` (when it still runs), then end the thread. */
  stop(): Promise<void>;
  /** Settles when the thread has ended (crashed or stopped), with why. */
  exited: Promise<WorkerExitedError>;
  /** The thread's event loop utilization since it started (how busy it has been). */
  utilization(): EventLoopUtilization;
}

/**
 * The threads' young generation, above V8's default. Under load, events in flight outlive a
 * small nursery, and each scavenge copies them again. Over a 6 s run at 5,000 events/s (with
 * its warm-up and drain) the cloud thread spent 1.4-1.6 s in GC with the default and 1.2 s
 * with 64 MB, the subscribers' thread 0.38-0.42 -> 0.32-0.35 s; 96 or 128 MB did no better.
 */
const YOUNG_GENERATION_MB = 64;

/**
 * Start `module` (a URL of a .ts file) in a worker with `data`, and wait for its `ready()`.
 * `label` names the thread in errors ("the cloud thread").
 */
export async function startWorker<
  Req extends WorkerRequest,
  Ready = unknown,
  Own = never,
  Call = never,
>(options: {
  module: URL;
  data: unknown;
  label: string;
  onMessage?: (message: Own) => void;
  /** Answers the worker's `callParent`; a throw reaches the worker as a WorkerCallError. */
  onCall?: (message: Call) => unknown;
  /**
   * The thread's old-generation heap limit: past it the thread dies (and its caller sees it
   * exit) instead of growing until the whole process is out of memory. @default V8's own
   */
  maxOldGenerationSizeMb?: number;
}): Promise<StartedWorker<Req, Ready>> {
  const worker = new Worker(ENTRY, {
    workerData: { module: options.module.href, data: options.data },
    resourceLimits: {
      maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
      ...(options.maxOldGenerationSizeMb === undefined
        ? {}
        : { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb }),
    },
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited: WorkerExitedError | undefined;
  let onExited: (e: WorkerExitedError) => void = () => {};
  const exitedPromise = new Promise<WorkerExitedError>((resolve) => {
    onExited = resolve;
  });

  const ready = await new Promise<Ready>((resolve, reject) => {
    worker.on('message', (m: WorkerOutMessage<Own>) => {
      if (m.kind === 'own') options.onMessage?.(m.message);
      else if (m.kind === 'call') void answerWorker(m.id, m.message as Call);
      else if (m.kind === 'reply') {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.error) w?.reject(new WorkerCallError(m.error.name, `${options.label}: ${m.error.message}`));
        else w?.resolve(m.value);
      } else if (m.kind === 'ready') resolve(m.value as Ready);
      else reject(new WorkerStartError(`${options.label} did not start: ${m.error}`, m.stack));
    });
    // An uncaught exception in the thread: its 'exit' follows, and names it.
    let crash: Error | undefined;
    worker.on('error', (error) => {
      crash = error;
      reject(error);
    });
    worker.on('exit', (code) => {
      const why = crash ? `: ${crash.name}: ${crash.message}` : '';
      exited = new WorkerExitedError(`${options.label} exited (code ${code})${why}`);
      onExited(exited);
      reject(exited);
      for (const w of waiting.values()) w.reject(exited);
      waiting.clear();
    });
  });

  async function answerWorker(id: number, message: Call): Promise<void> {
    let answer: ParentAnswer;
    try {
      if (!options.onCall) throw new Error(`${options.label} called its caller, which takes no calls`);
      answer = { answer: id, value: await options.onCall(message) };
    } catch (error) {
      answer = { answer: id, error: errorFields(error) };
    }
    if (!exited) worker.postMessage(answer);
  }

  const call = <T>(request: Req): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };

  return {
    ready,
    call,
    exited: exitedPromise,
    utilization: () => worker.performance.eventLoopUtilization(),
    async stop() {
      if (!exited) await call({ op: 'stop' } as Req).catch(() => {});
      await worker.terminate();
    },
  };
}

// The worker's side ------------------------------------------------------------------

const port = () => {
  if (!parentPort) throw new Error('worker-calls: not in a worker thread');
  return parentPort;
};

/** The `data` the worker was started with. */
export function workerInput<T>(): T {
  return (workerData as { data: T }).data;
}

/** Tell the caller the worker is ready, with what it should know. */
export function ready(value?: unknown): void {
  port().postMessage({ kind: 'ready', value } satisfies WorkerOutMessage<never>);
}

/** Tell the caller the worker could not start, and end the thread. */
export function failed(error: unknown): never {
  // The name and message make the caller's one line (a bad seed file is the user's to
  // fix, not a stack to read); the stack travels beside them.
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  port().postMessage({
    kind: 'failed',
    error: text,
    ...(stack ? { stack } : {}),
  } satisfies WorkerOutMessage<never>);
  process.exit(1);
}

/** A one-way message to the caller (its `onMessage`), in order with the replies. */
export function send<Own>(message: Own): void {
  port().postMessage({ kind: 'own', message } satisfies WorkerOutMessage<Own>);
}

/** The worker's calls to its caller that wait for an answer, by id. */
const parentCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextParentCall = 1;
let requestHandler: ((request: WorkerRequest & { id: number }) => void) | undefined;
let listening = false;

/** One listener on the port: answers to `callParent`, and the caller's requests. */
function listen(): void {
  if (listening) return;
  listening = true;
  port().on('message', (m: ParentAnswer | (WorkerRequest & { id: number })) => {
    if ('answer' in m) {
      const waiting = parentCalls.get(m.answer);
      parentCalls.delete(m.answer);
      if (m.error) waiting?.reject(new WorkerCallError(m.error.name, m.error.message));
      else waiting?.resolve(m.value);
    } else requestHandler?.(m);
  });
}

/**
 * Call the caller (its `onCall`) and wait for its answer: for what only the caller's thread
 * can do, without an HTTP round trip to it.
 */
export function callParent<T>(message: unknown): Promise<T> {
  listen();
  const id = nextParentCall++;
  return new Promise<T>((resolve, reject) => {
    parentCalls.set(id, { resolve: resolve as (v: unknown) => void, reject });
    port().postMessage({ kind: 'call', id, message } satisfies WorkerOutMessage<never>);
  });
}

/**
 * Answer the caller's requests with `handle`. The `stop` request is answered, then the
 * port closes so the thread can end.
 */
export function answerCalls<Req extends WorkerRequest>(handle: (request: Req) => Promise<unknown>): void {
  requestHandler = async (request) => {
    const reply = (out: Omit<Extract<WorkerOutMessage<never>, { kind: 'reply' }>, 'kind' | 'id'>) =>
      port().postMessage({ kind: 'reply', id: request.id, ...out } satisfies WorkerOutMessage<never>);
    try {
      reply({ value: await handle(request as Req & { id: number }) });
    } catch (error) {
      reply({ error: errorFields(error) });
    }
    if (request.op === 'stop') {
      for (const waiting of parentCalls.values())
        waiting.reject(new WorkerExitedError('the worker stopped before its caller answered'));
      parentCalls.clear();
      port().close();
    }
  };
  listen();
}
