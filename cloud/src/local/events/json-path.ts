/**
 * The JSONPath subset EventBridge evaluates in InputPath and InputPathsMap: dot notation,
 * names with dashes/underscores, array indices and `*` wildcards
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
 * Pure.
 */
export type PathStep =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' };

/** Parses a path, or returns an error text naming what is wrong. */
export function parseJsonPath(path: string): PathStep[] | string {
  if (!path.startsWith('$')) return `JSON path ${path} must start with $`;
  const steps: PathStep[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]/y;
  let at = 1;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) return `JSON path ${path} is not valid at position ${at}`;
    if (m[1] !== undefined) steps.push(m[1] === '*' ? { kind: 'wildcard' } : { kind: 'name', name: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    else steps.push({ kind: 'wildcard' });
    at = re.lastIndex;
  }
  return steps;
}

/** Evaluates parsed steps; undefined when the path leads nowhere. A wildcard yields an array. */
export function evaluateJsonPath(steps: readonly PathStep[], value: unknown): unknown {
  let current: unknown = value;
  let multi = false;
  let values: unknown[] = [];
  for (const step of steps) {
    const inputs = multi ? values : [current];
    const outputs: unknown[] = [];
    for (const v of inputs) {
      if (step.kind === 'wildcard') {
        if (Array.isArray(v)) outputs.push(...v);
        else if (v !== null && typeof v === 'object') outputs.push(...Object.values(v));
      } else if (step.kind === 'index') {
        if (Array.isArray(v) && step.index < v.length) outputs.push(v[step.index]);
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step.name)) {
        outputs.push((v as Record<string, unknown>)[step.name]);
      }
    }
    if (step.kind === 'wildcard') multi = true;
    if (multi) values = outputs;
    else if (outputs.length === 0) return undefined;
    else current = outputs[0];
  }
  return multi ? values : current;
}
