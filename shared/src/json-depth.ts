/**
 * Levels of objects and arrays in a parsed JSON value: a scalar is 0, `{}` and `[1]` are 1,
 * `{"a":[1]}` is 2. Walked with a stack of its own, not by recursion: services take JSON
 * nested deeper than the call stack goes (JSON.parse does not recurse), and must answer
 * "too deep" rather than overflow. Stops once past `limit`, answering a depth over it.
 */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'object' || value === null) return 0;
  const values: object[] = [value];
  const depths: number[] = [1];
  let max = 0;
  while (values.length > 0) {
    const node = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) {
      max = depth;
      if (max > limit) return max;
    }
    // Arrays are read in place: spreading a wide one into arguments overflows too.
    const children = Array.isArray(node) ? node : Object.values(node);
    for (let i = 0; i < children.length; i++) {
      const child: unknown = children[i];
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return max;
}
