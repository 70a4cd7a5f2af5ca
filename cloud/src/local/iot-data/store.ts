import type { ShadowDocument } from './shadow-document.js';

/** The classic (unnamed) shadow's key in the store. */
export const CLASSIC_SHADOW = '';

/** One shadow as kept: live, or deleted with the version a re-creation continues from. */
export interface StoredShadow {
  thingName: string;
  /** '' (CLASSIC_SHADOW) for the classic shadow. */
  shadowName: string;
  /** Undefined once deleted. */
  document: ShadowDocument | undefined;
  /** The live version, or the last one before the delete. */
  version: number;
  /** Epoch milliseconds of the last update or delete. */
  updatedAt: number;
  /** Epoch milliseconds of the delete, when deleted. */
  deletedAt?: number;
}

/**
 * Where shadows live (STYLE rule 9: memory and SQLite implementations, one contract suite in
 * store.contract.ts). Calls are synchronous: the service reads, merges and writes a shadow
 * without another request in between.
 */
export interface ShadowStore {
  get(thingName: string, shadowName: string): StoredShadow | undefined;
  put(thingName: string, shadowName: string, document: ShadowDocument, at: number): void;
  markDeleted(thingName: string, shadowName: string, at: number): void;
  /** Names of the thing's live named shadows, sorted, after `after` (exclusive). */
  listNamed(thingName: string, after: string | undefined, limit: number): string[];
}

/** In memory, for tests and throwaway clouds. */
export class MemoryShadowStore implements ShadowStore {
  readonly #rows = new Map<string, StoredShadow>();

  get(thingName: string, shadowName: string): StoredShadow | undefined {
    const row = this.#rows.get(key(thingName, shadowName));
    return row ? structuredClone(row) : undefined;
  }

  put(thingName: string, shadowName: string, document: ShadowDocument, at: number): void {
    this.#rows.set(key(thingName, shadowName), {
      thingName,
      shadowName,
      document: structuredClone(document),
      version: document.version,
      updatedAt: at,
    });
  }

  markDeleted(thingName: string, shadowName: string, at: number): void {
    const row = this.#rows.get(key(thingName, shadowName));
    if (!row) return;
    row.document = undefined;
    row.updatedAt = at;
    row.deletedAt = at;
  }

  listNamed(thingName: string, after: string | undefined, limit: number): string[] {
    return [...this.#rows.values()]
      .filter((r) => r.thingName === thingName && r.shadowName !== CLASSIC_SHADOW && r.document)
      .map((r) => r.shadowName)
      .filter((n) => after === undefined || n > after)
      .sort()
      .slice(0, limit);
  }
}

function key(thingName: string, shadowName: string): string {
  return `${thingName}\u0000${shadowName}`;
}
