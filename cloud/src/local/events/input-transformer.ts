import type { BusEvent } from '@smartdoor/shared';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';
import { eventJson, type Target } from './model.js';

/** What a target receives: the JSON value (or text) and its text form. */
export interface TargetInput {
  /** Parsed JSON when the input is JSON, else the text itself. */
  value: unknown;
  text: string;
}

export interface TransformContext {
  ruleArn: string;
  ruleName: string;
  /** Epoch ms the event reached the bus. */
  ingestedAt: number;
}

const PREDEFINED = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
]);

/**
 * Checks a target's input settings the way PutTargets does; returns an error text or undefined.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
 */
export function checkTargetInput(
  target: Pick<Target, 'input' | 'inputPath' | 'inputTransformer'>,
): string | undefined {
  const given = [target.input, target.inputPath, target.inputTransformer].filter(
    (v) => v !== undefined,
  ).length;
  if (given > 1) return 'Only one of Input, InputPath, or InputTransformer may be specified for a target.';
  if (target.input !== undefined) {
    try {
      JSON.parse(target.input);
    } catch {
      return 'Input is not valid JSON text.';
    }
  }
  if (target.inputPath !== undefined) {
    const parsed = parseJsonPath(target.inputPath);
    if (typeof parsed === 'string') return `InputPath: ${parsed}`;
  }
  const t = target.inputTransformer;
  if (t) {
    const entries = Object.entries(t.inputPathsMap ?? {});
    if (entries.length > 100) return 'InputPathsMap has more than 100 entries.';
    for (const [key, path] of entries) {
      if (!/^[A-Za-z0-9_-]+$/.test(key)) return `InputPathsMap key ${key} must match [A-Za-z0-9_-]+.`;
      if (PREDEFINED.has(key) || key.toLowerCase().startsWith('aws.')) {
        return `InputPathsMap key ${key} is reserved.`;
      }
      const parsed = parseJsonPath(path);
      if (typeof parsed === 'string') return `InputPathsMap value for ${key}: ${parsed}`;
    }
    if (t.inputTemplate.length === 0 || t.inputTemplate.length > 8192) {
      return 'InputTemplate must be 1 to 8192 characters.';
    }
  }
  return undefined;
}

/**
 * What a target gets for an event: the event itself, Input, InputPath, or the InputTransformer's
 * rendering (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
 * Pure; assumes checkTargetInput passed.
 */
export function transformInput(target: Target, event: BusEvent, ctx: TransformContext): TargetInput {
  if (target.input !== undefined) return fromText(target.input);
  if (target.inputPath !== undefined) {
    const steps = parseJsonPath(target.inputPath) as Exclude<ReturnType<typeof parseJsonPath>, string>;
    const value = evaluateJsonPath(steps, event) ?? null;
    return { value, text: JSON.stringify(value) };
  }
  if (target.inputTransformer !== undefined) {
    return renderTemplate(target.inputTransformer, event, ctx);
  }
  // The whole event: the same text its archive row and queue messages hold, serialized once.
  return { value: event, text: eventJson(event) };
}

function fromText(text: string): TargetInput {
  try {
    return { value: JSON.parse(text) as unknown, text };
  } catch {
    return { value: text, text };
  }
}

function variablesFor(
  t: NonNullable<Target['inputTransformer']>,
  event: BusEvent,
  ctx: TransformContext,
): Map<string, unknown> {
  const vars = new Map<string, unknown>();
  for (const [key, path] of Object.entries(t.inputPathsMap ?? {})) {
    const steps = parseJsonPath(path);
    // A path that leads nowhere creates no variable (eb-input-transformer-tutorial).
    const value = typeof steps === 'string' ? undefined : evaluateJsonPath(steps, event);
    if (value !== undefined) vars.set(key, value);
  }
  vars.set('aws.events.rule-arn', ctx.ruleArn);
  vars.set('aws.events.rule-name', ctx.ruleName);
  vars.set('aws.events.event.ingestion-time', new Date(ctx.ingestedAt).toISOString());
  const { detail: _detail, ...withoutDetail } = event;
  vars.set('aws.events.event', withoutDetail);
  vars.set('aws.events.event.json', event);
  return vars;
}

/**
 * Renders an InputTemplate. In a JSON template (one that starts with `{`, `[` or `"`), a
 * placeholder outside quotes becomes the value as JSON (a string gets quotes; a missing
 * variable is null) and one inside quotes becomes the value's text, escaped for the string.
 * In a plain-text template values are inserted as text, unescaped.
 */
export function renderTemplate(
  t: NonNullable<Target['inputTransformer']>,
  event: BusEvent,
  ctx: TransformContext,
): TargetInput {
  const vars = variablesFor(t, event, ctx);
  const known = new Set([...Object.keys(t.inputPathsMap ?? {}), ...PREDEFINED]);
  const template = t.inputTemplate;
  const jsonMode = /^\s*[{["]/.test(template);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (jsonMode && ch === '\\' && inString) {
      out += ch + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (jsonMode && ch === '"') {
      inString = !inString;
      out += ch;
      continue;
    }
    if (ch === '<') {
      const close = template.indexOf('>', i + 1);
      const name = close < 0 ? undefined : template.slice(i + 1, close);
      if (name !== undefined && known.has(name)) {
        out += placeholder(vars.get(name), jsonMode, inString);
        i = close;
        continue;
      }
    }
    out += ch;
  }
  return jsonMode ? fromText(out) : { value: out, text: out };
}

function placeholder(value: unknown, jsonMode: boolean, inString: boolean): string {
  if (jsonMode && !inString) return value === undefined ? 'null' : JSON.stringify(value);
  const text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return jsonMode ? JSON.stringify(text).slice(1, -1) : text;
}
