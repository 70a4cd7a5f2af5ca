import { describe, expect, it } from 'vitest';
import type { ShadowDocument } from './shadow-document.js';
import { CLASSIC_SHADOW, type ShadowStore } from './store.js';

const doc = (version: number, reported: Record<string, number> = { a: version }): ShadowDocument => ({
  state: { reported },
  metadata: { reported: Object.fromEntries(Object.keys(reported).map((k) => [k, { timestamp: 1 }])) },
  version,
});

/** The behaviour every ShadowStore shares (STYLE rule 9). */
export function describeShadowStoreContract(name: string, create: () => ShadowStore): void {
  describe(`Contract: ShadowStore (${name})`, () => {
    describe('Method: get', () => {
      it('returns undefined for a shadow never written', () => {
        // Prepare
        const store = create();

        // Act
        const row = store.get('door-1', CLASSIC_SHADOW);

        // Assess
        expect(row).toBeUndefined();
      });

      it('returns what was put, classic and named apart', () => {
        // Prepare
        const store = create();
        store.put('door-1', CLASSIC_SHADOW, doc(1), 1000);
        store.put('door-1', 'settings', doc(7, { b: 2 }), 2000);

        // Act
        const classic = store.get('door-1', CLASSIC_SHADOW);
        const named = store.get('door-1', 'settings');

        // Assess
        expect(classic).toEqual({
          thingName: 'door-1',
          shadowName: CLASSIC_SHADOW,
          document: doc(1),
          version: 1,
          updatedAt: 1000,
        });
        expect(named?.document).toEqual(doc(7, { b: 2 }));
      });

      it('returns a copy the caller cannot change the store through', () => {
        // Prepare
        const store = create();
        store.put('door-1', CLASSIC_SHADOW, doc(1), 1000);

        // Act
        store.get('door-1', CLASSIC_SHADOW)!.document!.state.reported!.a = 99;

        // Assess
        expect(store.get('door-1', CLASSIC_SHADOW)?.document?.state.reported).toEqual({ a: 1 });
      });
    });

    describe('Method: markDeleted', () => {
      it('drops the document and keeps the version and the time of the delete', () => {
        // Prepare
        const store = create();
        store.put('door-1', CLASSIC_SHADOW, doc(4), 1000);

        // Act
        store.markDeleted('door-1', CLASSIC_SHADOW, 5000);

        // Assess
        expect(store.get('door-1', CLASSIC_SHADOW)).toEqual({
          thingName: 'door-1',
          shadowName: CLASSIC_SHADOW,
          document: undefined,
          version: 4,
          updatedAt: 5000,
          deletedAt: 5000,
        });
      });

      it('is undone by the next put', () => {
        // Prepare
        const store = create();
        store.put('door-1', CLASSIC_SHADOW, doc(4), 1000);
        store.markDeleted('door-1', CLASSIC_SHADOW, 5000);

        // Act
        store.put('door-1', CLASSIC_SHADOW, doc(5), 6000);

        // Assess
        const row = store.get('door-1', CLASSIC_SHADOW);
        expect([row?.version, row?.deletedAt, row?.document?.version]).toEqual([5, undefined, 5]);
      });
    });

    describe('Method: listNamed', () => {
      it('lists live named shadows of one thing, sorted, paged after a name', () => {
        // Prepare
        const store = create();
        for (const n of ['c', 'a', 'b', 'd']) store.put('door-1', n, doc(1), 1000);
        store.put('door-1', CLASSIC_SHADOW, doc(1), 1000);
        store.put('door-2', 'other', doc(1), 1000);
        store.markDeleted('door-1', 'd', 2000);

        // Act
        const first = store.listNamed('door-1', undefined, 2);
        const rest = store.listNamed('door-1', 'b', 10);

        // Assess
        expect(first).toEqual(['a', 'b']);
        expect(rest).toEqual(['c']);
      });
    });
  });
}
