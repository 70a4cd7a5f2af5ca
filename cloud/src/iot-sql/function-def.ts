import type { Env } from './context.js';
import type { SqlValue } from './values.js';

/** A built-in function: its arity, checked once when the rule is created, and its body. */
export interface FunctionDef {
  /** Fewest arguments. */
  min: number;
  /** Most arguments (Infinity for concat). */
  max: number;
  /**
   * Indexes of arguments that must be literal strings, with the values allowed
   * (e.g. encode's scheme, "A literal string ... only 'base64' is supported").
   */
  literal?: readonly { index: number; allowed: readonly string[] }[];
  call(args: SqlValue[], env: Env): SqlValue;
}

export type FunctionTable = Record<string, FunctionDef>;
