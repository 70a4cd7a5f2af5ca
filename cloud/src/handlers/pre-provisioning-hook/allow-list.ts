/** What the allow-list says about one serial number. */
export interface AllowListEntry {
  serialNumber: string;
  /** A listed serial that must not be provisioned (yet, or any more). @default false */
  disabled?: boolean;
}

/** Serial numbers that may be provisioned by claim. */
export interface SerialAllowList {
  /** The entry for a serial, or undefined when it is not listed. Throws when the list cannot be read. */
  lookup(serialNumber: string): Promise<AllowListEntry | undefined>;
}

/** An allow-list held in memory: local use and tests. */
export class MemorySerialAllowList implements SerialAllowList {
  readonly #entries: Map<string, AllowListEntry>;
  constructor(entries: readonly AllowListEntry[]) {
    this.#entries = new Map(entries.map((e) => [e.serialNumber, e]));
  }
  async lookup(serialNumber: string): Promise<AllowListEntry | undefined> {
    return this.#entries.get(serialNumber);
  }
}
