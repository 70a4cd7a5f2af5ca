/**
 * The intermediate form a checked pattern compiles to: a list of alternatives ($or already
 * expanded), each a conjunction of field tests. Plain data, no behaviour.
 */

/** How one field value can match. Each kind mirrors one EventBridge comparison operator. */
export type ValueMatcher =
  /** A string, compared exactly. */
  | { kind: 'exact'; value: string }
  /** A string that is an IP address: compared as an address (canonical hex), as event-ruler does. */
  | { kind: 'ip'; value: string }
  /** A JSON number, compared by value (see compile.ts for why not as text). */
  | { kind: 'number'; value: number }
  | { kind: 'literal'; value: boolean | null }
  /** `value` is lower-cased when `ignoreCase`. */
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  /** `value` is lower-cased. */
  | { kind: 'equals-ignore-case'; value: string }
  | { kind: 'wildcard'; value: string; pieces: string[] }
  | { kind: 'numeric'; lo: number; loOpen: boolean; hi: number; hiOpen: boolean }
  | { kind: 'cidr'; value: string; lo: string; hi: string }
  | { kind: 'exists' }
  | AnythingBut;

/** anything-but, in all its forms: `values` (strings and/or numbers), prefix, suffix, equals-ignore-case, wildcard. */
export interface AnythingBut {
  kind: 'anything-but';
  op: 'values' | 'prefix' | 'suffix' | 'equals-ignore-case' | 'wildcard';
  /** The excluded strings (lower-cased for equals-ignore-case; prefixes; suffixes; wildcard texts). */
  strings: string[];
  /** The excluded numbers (op 'values' only). */
  numbers: number[];
  /** Parsed wildcard pieces (op 'wildcard' only), parallel to `strings`. */
  pieces?: string[][];
}

/** One named field of one alternative: any matcher may match; `absent` adds "or the field is missing". */
export interface FieldTest {
  /** Dotted path, as event-ruler flattens names (so a key "a.b" and a.b are the same field). */
  path: string;
  matchers: ValueMatcher[];
  absent: boolean;
}

/** A conjunction: every field test must hold. */
export type Alternative = FieldTest[];
