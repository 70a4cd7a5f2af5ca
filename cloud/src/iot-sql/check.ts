import { childrenOf, type Expr, type IotSqlStatement, type SelectQuery } from './ast.js';
import { IotSqlCheckError } from './errors.js';
import { AWS_ONLY_FUNCTIONS, FUNCTIONS } from './functions.js';

/**
 * Check a parsed statement can run locally: every function known, none that calls another
 * AWS service, the right number of arguments, literal arguments where the reference asks
 * for a literal. Throws an {@link IotSqlCheckError} naming the first problem.
 */
export function checkIotSql(stmt: IotSqlStatement): void {
  checkQuery(stmt);
}

function checkQuery(q: SelectQuery): void {
  for (const item of q.items) checkExpr(item.expr);
  if (q.where) checkExpr(q.where);
}

function checkExpr(e: Expr): void {
  if (e.kind === 'call') checkCall(e);
  for (const child of childrenOf(e)) checkExpr(child);
}

function checkCall(e: Extract<Expr, { kind: 'call' }>): void {
  // Own keys only: `constructor` or `__proto__` would otherwise find Object.prototype's.
  const awsOnly = Object.hasOwn(AWS_ONLY_FUNCTIONS, e.name) ? AWS_ONLY_FUNCTIONS[e.name] : undefined;
  if (awsOnly) {
    throw new IotSqlCheckError(
      e.pos,
      `${e.name}() ${awsOnly}; it runs only on AWS IoT Core, not in the local rules engine`,
      e.name,
    );
  }
  const def = Object.hasOwn(FUNCTIONS, e.name) ? FUNCTIONS[e.name] : undefined;
  if (!def) throw new IotSqlCheckError(e.pos, `unknown function ${e.name}()`, e.name);
  const scheme = e.args[1];
  if (e.name === 'decode' && scheme?.kind === 'literal' && scheme.value === 'proto') {
    throw new IotSqlCheckError(
      scheme.pos,
      "decode(value, 'proto', ...) reads a descriptor file from Amazon S3; it runs only on AWS IoT Core",
      e.name,
    );
  }
  const n = e.args.length;
  if (n < def.min || n > def.max) {
    const want = def.min === def.max ? `${def.min}` : `${def.min} to ${def.max}`;
    throw new IotSqlCheckError(
      e.pos,
      `${e.name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${n}`,
      e.name,
    );
  }
  for (const rule of def.literal ?? []) {
    const arg = e.args[rule.index]!;
    const literal = arg.kind === 'literal' && typeof arg.value === 'string' ? arg.value : undefined;
    if (literal === undefined || !rule.allowed.includes(literal)) {
      const allowed = rule.allowed.map((a) => `'${a}'`).join(' or ');
      throw new IotSqlCheckError(
        arg.pos,
        `argument ${rule.index + 1} of ${e.name}() must be the literal string ${allowed}`,
        e.name,
      );
    }
  }
}
