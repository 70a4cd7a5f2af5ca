/**
 * Wildcard matching: `*` matches any run of characters (also none); `\*` is a literal star
 * and `\\` a literal backslash.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-wildcard-matching
 */

/** Split a wildcard pattern into its literal pieces (between the stars), or a reason it is invalid. */
export function parseWildcard(pattern: string): string[] | string {
  const pieces: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') return `Invalid escape character at pos ${i + 1}`;
      current += next;
      i++;
    } else if (c === '*') {
      // event-ruler rejects "**": it adds nothing and would blow up the automaton.
      if (pattern[i + 1] === '*') return `Consecutive wildcard characters at pos ${i + 1}`;
      pieces.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  pieces.push(current);
  return pieces;
}

/**
 * Does `value` match the pattern split into `pieces`? With only `*`, taking each middle piece
 * at its leftmost position is enough (greedy leftmost is optimal for star-only globs).
 */
export function wildcardMatches(pieces: readonly string[], value: string): boolean {
  const first = pieces[0]!;
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1]!;
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let pos = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const at = value.indexOf(piece, pos);
    if (at < 0 || at + piece.length > end) return false;
    pos = at + piece.length;
  }
  return true;
}
