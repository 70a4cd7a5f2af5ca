import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * The behaviour every idempotency persistence layer must show under Powertools'
 * makeIdempotent (STYLE rule 9). Roles: `fn` is the function made idempotent (it counts
 * its calls), `event` a bus event whose detail.metadata carries the key, `context` a
 * Lambda-like context whose remaining time bounds an in-progress record.
 */
export interface PersistenceHarness {
  layer: BasePersistenceLayer;
  /** Release resources (close the database, remove temp dirs). */
  close(): Promise<void> | void;
}

const KEY_PATH = 'detail.metadata."idempotency-key"';
const T0 = Date.parse('2026-11-22T12:00:00.000Z');

const event = (key: string, extra: Record<string, unknown> = {}) => ({
  detail: { metadata: { 'idempotency-key': key }, ...extra },
});
const context = (remainingMs = 30_000) => ({
  awsRequestId: 'req-1',
  functionName: 'contract',
  getRemainingTimeInMillis: () => remainingMs,
});

export function describePersistenceLayerContract(name: string, factory: () => Promise<PersistenceHarness>) {
  describe(`Contract: idempotency persistence (${name})`, () => {
    let harness: PersistenceHarness;

    beforeEach(async () => {
      // Powertools stamps records with Date.now(): fake Date only, so promises still run.
      vi.useFakeTimers({ toFake: ['Date'], now: T0 });
      harness = await factory();
    });
    afterEach(async () => {
      await harness.close();
      vi.useRealTimers();
    });

    const wrap = <R>(
      fn: (e: unknown) => Promise<R>,
      options: { expiresAfterSeconds?: number; validate?: boolean } = {},
    ) =>
      makeIdempotent(async (e: unknown, _ctx: unknown) => fn(e), {
        persistenceStore: harness.layer,
        config: new IdempotencyConfig({
          eventKeyJmesPath: KEY_PATH,
          expiresAfterSeconds: options.expiresAfterSeconds ?? 3600,
          ...(options.validate ? { payloadValidationJmesPath: 'detail.body' } : {}),
        }),
      });

    it('runs the function once and returns the stored result when the key is completed', async () => {
      // Prepare
      const fn = vi.fn(async () => ({ sent: 1 }));
      const handler = wrap(fn);
      // Act
      const first = await handler(event('k-1'), context());
      const second = await handler(event('k-1'), context());
      // Assess
      expect(fn).toHaveBeenCalledTimes(1);
      expect(first).toEqual({ sent: 1 });
      expect(second).toEqual({ sent: 1 });
    });

    it('runs the function for each distinct key', async () => {
      // Prepare
      const fn = vi.fn(
        async (e: unknown) => (e as ReturnType<typeof event>).detail.metadata['idempotency-key'],
      );
      const handler = wrap(fn);
      // Act
      const results = [await handler(event('a'), context()), await handler(event('b'), context())];
      // Assess
      expect(results).toEqual(['a', 'b']);
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('refuses a duplicate while the first call is in progress', async () => {
      // Prepare
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const fn = vi.fn(async () => {
        await gate;
        return 'done';
      });
      const handler = wrap(fn);
      // Act
      const first = handler(event('k-2'), context());
      await vi.waitFor(() => expect(fn).toHaveBeenCalledTimes(1));
      const duplicate = handler(event('k-2'), context());
      // Assess
      await expect(duplicate).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
      release();
      await expect(first).resolves.toBe('done');
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('runs the function once when five duplicates arrive concurrently', async () => {
      // Prepare
      const fn = vi.fn(async () => {
        await new Promise((r) => setImmediate(r));
        return 'once';
      });
      const handler = wrap(fn);
      // Act
      const settled = await Promise.allSettled(
        Array.from({ length: 5 }, () => handler(event('k-3'), context())),
      );
      const after = await handler(event('k-3'), context());
      // Assess
      expect(fn).toHaveBeenCalledTimes(1);
      // A duplicate that lands after the first completed gets its stored result; one that
      // lands while it runs is refused (and retried by the queue).
      for (const s of settled.filter((s) => s.status === 'fulfilled')) {
        expect((s as PromiseFulfilledResult<unknown>).value).toBe('once');
      }
      for (const s of settled.filter((s) => s.status === 'rejected')) {
        expect((s as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyAlreadyInProgressError);
      }
      expect(after).toBe('once');
    });

    it('runs the function again after the record expired', async () => {
      // Prepare
      const fn = vi.fn(async () => 'again');
      const handler = wrap(fn, { expiresAfterSeconds: 60 });
      await handler(event('k-4'), context());
      // Act
      vi.setSystemTime(T0 + 61_000);
      await handler(event('k-4'), context());
      // Assess
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('lets a retry run when the first call failed', async () => {
      // Prepare
      const fn = vi.fn().mockRejectedValueOnce(new Error('webhook down')).mockResolvedValueOnce('ok');
      const handler = wrap(fn);
      // Act
      const first = handler(event('k-5'), context());
      await expect(first).rejects.toThrow('webhook down');
      const retry = await handler(event('k-5'), context());
      // Assess
      expect(retry).toBe('ok');
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('lets another call take over when the in-progress call outlived its Lambda timeout', async () => {
      // Prepare: the first call never finishes (its Lambda timed out after 1 s).
      const hanging = vi.fn(() => new Promise<string>(() => {}));
      const handlerHanging = wrap(hanging);
      void handlerHanging(event('k-6'), context(1_000));
      await vi.waitFor(() => expect(hanging).toHaveBeenCalledTimes(1));
      const taker = vi.fn(async () => 'taken over');
      const handler = wrap(taker);
      // Act
      vi.setSystemTime(T0 + 1_500);
      const result = await handler(event('k-6'), context());
      // Assess
      expect(result).toBe('taken over');
      expect(taker).toHaveBeenCalledTimes(1);
    });

    it('refuses the same key with a different payload when payload validation is on', async () => {
      // Prepare
      const handler = wrap(async () => 'first', { validate: true });
      await handler(event('k-7', { body: 'a' }), context());
      // Act
      const second = handler(event('k-7', { body: 'b' }), context());
      // Assess
      await expect(second).rejects.toBeInstanceOf(IdempotencyValidationError);
    });
  });
}
