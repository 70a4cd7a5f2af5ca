import type { FunctionTable } from './function-def.js';
import { formatJodaTime } from './joda-format.js';
import { toNumber, toSqlString } from './values.js';

/** Time functions (developer guide, Functions: parse_time). */
export const TIME_FUNCTIONS: FunctionTable = {
  parse_time: {
    min: 2,
    max: 3,
    call: ([pattern, ts, zone]) => {
      const p = toSqlString(pattern);
      const millis = toNumber(ts);
      const tz = zone === undefined ? 'UTC' : toSqlString(zone);
      if (p === undefined || millis === undefined || tz === undefined) return undefined;
      return formatJodaTime(p, Math.trunc(millis), tz);
    },
  },
};
