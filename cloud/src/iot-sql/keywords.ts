import type { BinaryOp, CastType } from './ast.js';

/** Words that cannot name a field; write `get(*, 'case')` to read a key spelled like one. */
export const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AS',
  'AND',
  'OR',
  'NOT',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'TRUE',
  'FALSE',
  'NULL',
  'IN',
  'CONTAINS',
]);

/** cast() type keywords, SQL version 2016-03-23 (functions reference, cast). */
export const CAST_TYPES: Record<string, CastType> = {
  STRING: 'string',
  NVARCHAR: 'string',
  TEXT: 'string',
  NTEXT: 'string',
  VARCHAR: 'string',
  INT: 'int',
  INTEGER: 'int',
  DOUBLE: 'double',
  DECIMAL: 'decimal',
  BOOL: 'boolean',
  BOOLEAN: 'boolean',
};

export const COMPARISONS: Record<string, BinaryOp> = {
  '=': '=',
  '<>': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};
