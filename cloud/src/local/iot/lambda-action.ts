import { LocalIotError } from './errors.js';
import type { RuleAction, RuleActionInput } from './rules-engine.js';

/**
 * The function ran past its timeout: its outputs fail (to the rule's error action) and its
 * slot frees, as Lambda stops an invocation at its timeout.
 */
export class LambdaTimeoutError extends LocalIotError {
  override name = 'Task.TimedOut';
  constructor(readonly timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/** A Lambda-style function: `(event, context) => result`. */
export type LocalFunction = (event: unknown, context: LocalFunctionContext) => Promise<unknown>;

export interface LocalFunctionContext {
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  getRemainingTimeInMillis(): number;
}

export interface LambdaActionOptions {
  functionName: string;
  functionArn: string;
  fn: LocalFunction;
  /**
   * Rule outputs gathered into one invocation (the function takes an array), so that one
   * PutEvents carries several events. Only what arrives in the same tick is batched: no
   * message waits for a timer.
   * @default 1
   */
  maxBatch?: number;
  /**
   * Invocations in flight at once (Lambda's reserved concurrency). While every slot is busy,
   * outputs wait and go out in batches when one frees: batching under load, no delay when idle.
   * 16, not 4: with 4, the ingest's PutEvents round trips capped the pipeline and outputs
   * queued here (door to bus p50 1.4 s at 1,500 events/s; 60-90 ms with 16).
   * @default 16
   */
  concurrency?: number;
  /**
   * The function's timeout: an invocation still running then fails its outputs with "Task
   * timed out" and frees its slot (its late result is ignored).
   * @default 30000
   */
  timeoutMs?: number;
  newId: () => string;
  now: () => number;
}

/**
 * IoT Core's Lambda rule action, locally: the rule's JSON output is the function's event.
 * With batching, an invocation failure fails every message of the batch (each then goes
 * to its rule's error action), as a failed Lambda invocation fails its whole event.
 */
export function lambdaAction(options: LambdaActionOptions): RuleAction & { flush(): Promise<void> } {
  const maxBatch = options.maxBatch ?? 1;
  type Pending = { input: RuleActionInput; resolve: () => void; reject: (e: unknown) => void };
  // A queue read from `head`: slicing the array on every take copied the whole backlog
  // each time, quadratic when a burst queues tens of thousands of messages.
  let queue: Pending[] = [];
  let head = 0;
  const waiting = () => queue.length - head;
  const take = (): Pending[] => {
    const batch = queue.slice(head, head + maxBatch);
    head += batch.length;
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head >= 1024 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return batch;
  };
  let scheduled = false;
  const inFlight = new Set<Promise<void>>();

  const invoke = async (batch: Pending[]): Promise<void> => {
    const started = options.now();
    const timeoutMs = options.timeoutMs ?? 30_000;
    const event = maxBatch === 1 ? batch[0]!.input.json : batch.map((b) => b.input.json);
    // One timer per invocation, cleared when it settles: without it, `concurrency`
    // invocations that never settle would hold every slot and no later output would run.
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        options.fn(event, {
          awsRequestId: options.newId(),
          functionName: options.functionName,
          invokedFunctionArn: options.functionArn,
          getRemainingTimeInMillis: () => Math.max(0, started + timeoutMs - options.now()),
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new LambdaTimeoutError(timeoutMs)), timeoutMs);
        }),
      ]);
      for (const b of batch) b.resolve();
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      clearTimeout(timer);
    }
  };

  const concurrency = options.concurrency ?? 16;
  const run = () => {
    scheduled = false;
    while (waiting() > 0 && inFlight.size < concurrency) {
      const p = invoke(take());
      inFlight.add(p);
      void p.finally(() => {
        inFlight.delete(p);
        run();
      });
    }
  };

  return {
    type: 'LambdaAction',
    resource: options.functionArn,
    run(input) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        if (waiting() >= maxBatch) run();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(run);
        }
      });
    },
    async flush() {
      run();
      while (inFlight.size > 0 || waiting() > 0) {
        await Promise.allSettled([...inFlight]);
        run();
      }
    },
  };
}
