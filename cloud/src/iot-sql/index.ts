/**
 * The IoT SQL evaluator: AWS IoT Core's rule language (SQL version 2016-03-23) as pure
 * functions. Parse, check and compile a statement once per rule; evaluate it per message.
 * See README.md for what is supported and where it differs from IoT Core.
 */
export type { Expr, IotSqlStatement, NestedQuery, SelectItem, SelectQuery } from './ast.js';
export { checkIotSql } from './check.js';
export type { IotSqlContext } from './context.js';
export { IotSqlCheckError, IotSqlError, IotSqlEvaluationError, IotSqlSyntaxError } from './errors.js';
export {
  type CompiledIotSql,
  compileIotSql,
  evaluateIotSql,
  type IotMessage,
  type IotSqlResult,
} from './evaluate.js';
export { AWS_ONLY_FUNCTIONS } from './functions.js';
export { parseIotSql } from './parse.js';
export { topicFilterProblem, topicMatchesIotFilter } from './topic-filter.js';
export type { SqlValue } from './values.js';
