import type { Clock } from '../../queues/clock.js';
import { TargetInvocationError } from '../errors.js';
import type { Invocation, TargetKind } from './target-invoker.js';

/** The context a handler receives, as Lambda passes it (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html). */
export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown>;

export interface FunctionOptions {
  /**
   * Invocation timeout, as a function's Timeout setting.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * A live view (the local dashboard): its deliveries are not journaled. It is invoked
   * right after the event commits, once, and misses what a crash interrupts; in return
   * it costs no delivery row, worker turn or commit per event.
   * @default false
   */
  live?: boolean;
}

const ARN_RE = /^arn:aws:lambda:([^:]*):([^:]*):function:([A-Za-z0-9_-]+)(?::[^:]+)?$/;

/** In-process functions, registered by name and addressed by Lambda ARNs. */
export class LambdaTarget implements TargetKind {
  readonly kind = 'lambda';
  readonly #functions = new Map<string, { handler: LambdaHandler; timeoutMs: number; live: boolean }>();
  /** Function name by ARN ('' when not a function's): every live delivery looks it up three times, and ARNs are few. */
  readonly #names = new Map<string, string>();

  constructor(private readonly clock: Clock) {}

  #nameOf(arn: string): string {
    let name = this.#names.get(arn);
    if (name === undefined) {
      name = ARN_RE.exec(arn)?.[3] ?? '';
      if (this.#names.size < 1_000) this.#names.set(arn, name);
    }
    return name;
  }

  register(name: string, handler: LambdaHandler, opts: FunctionOptions = {}): void {
    this.#functions.set(name, { handler, timeoutMs: opts.timeoutMs ?? 30_000, live: opts.live ?? false });
  }

  /** Whether `arn` names a function registered as a live view (see {@link FunctionOptions.live}). */
  isLive(arn: string): boolean {
    return this.#functions.get(this.#nameOf(arn))?.live ?? false;
  }

  unregister(name: string): void {
    this.#functions.delete(name);
  }

  accepts(arn: string): boolean {
    return this.#nameOf(arn) !== '';
  }

  check(arn: string): string | undefined {
    const name = ARN_RE.exec(arn)?.[3];
    return name !== undefined && this.#functions.has(name)
      ? undefined
      : `No local function registered for ${arn}`;
  }

  async invoke({ arn, input, attemptId }: Invocation): Promise<void> {
    const name = this.#nameOf(arn);
    const fn = this.#functions.get(name);
    if (!fn)
      throw new TargetInvocationError('ResourceNotFoundException', `Function not found: ${arn}`, false);
    const deadline = this.clock.now() + fn.timeoutMs;
    const context: LambdaContext = {
      awsRequestId: attemptId,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: arn,
      memoryLimitInMB: '128',
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `local/${name}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.clock.now()),
    };
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(
        () =>
          reject(new TargetInvocationError('Task.TimedOut', `Task timed out after ${fn.timeoutMs} ms`, true)),
        fn.timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.resolve().then(() => fn.handler(input.value, context)), timeout]);
    } catch (err) {
      if (err instanceof TargetInvocationError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      const code = err instanceof Error ? err.name : 'Error';
      throw new TargetInvocationError(code, message, true, { cause: err });
    } finally {
      this.clock.clearTimeout(timer);
    }
  }
}
