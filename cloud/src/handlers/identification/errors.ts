/** Root of the identification subscriber's errors. */
export class IdentificationError extends Error {
  override name = 'IdentificationError';
}

/** The badge directory seed file is unreadable or wrong; the message names every bad line/field. */
export class BadgeSeedError extends IdentificationError {
  override name = 'BadgeSeedError';
  constructor(
    readonly source: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`badge directory seed ${source}: ${problems.join('; ')}`, options);
  }
}

/** The directory lookup itself failed (the store, not the badge): raises Identification Failed. */
export class BadgeLookupError extends IdentificationError {
  override name = 'BadgeLookupError';
  constructor(
    readonly badgeRef: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(
      `badge directory lookup failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${
        (options?.cause as Error | undefined)?.message ?? 'unknown error'
      }`,
      options,
    );
  }
}

/** A correlation record the handler relies on is not in the store (e.g. removed by TTL). */
export class OpeningNotFoundError extends IdentificationError {
  override name = 'OpeningNotFoundError';
  constructor(readonly openingKey: string) {
    super(`no stored opening ${openingKey} to claim`);
  }
}
