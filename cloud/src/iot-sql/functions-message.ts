import { createHash, randomUUID } from 'node:crypto';
import type { FunctionDef, FunctionTable } from './function-def.js';
import { md2Hex } from './md2.js';
import { isObject, type SqlValue, toInt, toSqlString } from './values.js';

/**
 * Functions about the message and its context, collections, encodings and hashes
 * (developer guide, Functions).
 */

const BASE64 = [{ index: 1, allowed: ['base64'] }] as const;
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

function noArgs(call: FunctionDef['call']): FunctionDef {
  return { min: 0, max: 0, call };
}

/** get(collection, key): an Array or String by 0-based Int index, an Object by String key. */
function get([coll, key]: SqlValue[]): SqlValue {
  if (Array.isArray(coll)) {
    const i = toInt(key);
    return i === undefined || i < 0 || i >= coll.length ? undefined : coll[i];
  }
  if (typeof coll === 'string') {
    const i = toInt(key);
    return i === undefined || i < 0 || i >= coll.length ? undefined : coll[i];
  }
  // "String (no conversion is applied)" for an Object's key.
  if (isObject(coll) && typeof key === 'string') return Object.hasOwn(coll, key) ? coll[key] : undefined;
  return undefined;
}

/** topic([n]): the whole topic, or its n-th level counting from 1. */
function topic(args: SqlValue[], topicName: string): SqlValue {
  if (args.length === 0) return topicName;
  const n = toInt(args[0]);
  if (n === undefined || n < 1) return undefined;
  let start = 0;
  for (let level = 1; level < n; level++) {
    const slash = topicName.indexOf('/', start);
    if (slash < 0) return undefined;
    start = slash + 1;
  }
  const end = topicName.indexOf('/', start);
  return end < 0 ? topicName.slice(start) : topicName.slice(start, end);
}

/**
 * decode(value, 'base64'): a JSON document (object or array) comes back addressable,
 * anything else as a string; text that is not base64 gives Null (functions reference, decode).
 */
function decode([value]: SqlValue[]): SqlValue {
  if (typeof value !== 'string') return null;
  const compact = value.replace(/[\r\n]/g, '');
  if (!BASE64_TEXT.test(compact) || compact.length % 4 === 1) return null;
  const text = Buffer.from(compact, 'base64').toString('utf8');
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(text) as SqlValue;
    } catch {
      return text;
    }
  }
  return text;
}

function hash(algorithm: string): FunctionDef {
  return {
    min: 1,
    max: 1,
    call: ([a]) => {
      const s = toSqlString(a);
      return s === undefined ? undefined : createHash(algorithm).update(s, 'utf8').digest('hex');
    },
  };
}

/** transform('enrichArray', object, array): each array object merged with the object's attributes. */
function transform([mode, obj, arr]: SqlValue[]): SqlValue {
  if (mode !== 'enrichArray' || !isObject(obj) || !Array.isArray(arr)) return undefined;
  const out: SqlValue[] = [];
  for (const item of arr) {
    if (!isObject(item)) return undefined;
    out.push({ ...item, ...obj });
  }
  return out;
}

export const MESSAGE_FUNCTIONS: FunctionTable = {
  accountid: noArgs((_a, env) => env.ctx.accountId),
  clientid: noArgs((_a, env) => env.ctx.clientId ?? 'n/a'),
  principal: noArgs((_a, env) => env.ctx.principal),
  traceid: noArgs((_a, env) => env.ctx.traceId),
  timestamp: noArgs((_a, env) => (env.ctx.now ?? Date.now)()),
  newuuid: noArgs((_a, env) => (env.ctx.newUuid ?? randomUUID)()),
  sql_version: noArgs(() => '2016-03-23'),
  topic: { min: 0, max: 1, call: (args, env) => topic(args, env.topic) },
  isnull: { min: 1, max: 1, call: ([a]) => a === null },
  isundefined: { min: 1, max: 1, call: ([a]) => a === undefined },
  get: { min: 2, max: 2, call: get },
  encode: {
    min: 2,
    max: 2,
    literal: BASE64,
    // encode(*, ...) receives the payload's bytes (see compile); other values their String form.
    call: ([a]) => {
      if (a instanceof Uint8Array)
        return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
      const s = toSqlString(a);
      return s === undefined ? undefined : Buffer.from(s, 'utf8').toString('base64');
    },
  },
  decode: { min: 2, max: 2, literal: BASE64, call: decode },
  md2: { min: 1, max: 1, call: ([a]) => mapString(a, md2Hex) },
  md5: hash('md5'),
  sha1: hash('sha1'),
  sha224: hash('sha224'),
  sha256: hash('sha256'),
  sha384: hash('sha384'),
  sha512: hash('sha512'),
  transform: { min: 3, max: 3, call: transform },
};

function mapString(a: SqlValue, f: (s: string) => string): SqlValue {
  const s = toSqlString(a);
  return s === undefined ? undefined : f(s);
}
