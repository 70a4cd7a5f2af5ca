import type { FunctionTable } from './function-def.js';
import { formatJodaTime } from './joda-format.js';
import { timeToEpoch } from './time-parse.js';
import { toNumber, toSqlString } from './values.js';

/** Time functions (developer guide, Functions: parse_time, time_to_epoch). */
export const TIME_FUNCTIONS: FunctionTable = {
  time_to_epoch: {
    min: 2,
    max: 2,
    call: ([text, pattern]) => {
      const t = toSqlString(text);
      const p = toSqlString(pattern);
      return t === undefined || p === undefined ? undefined : timeToEpoch(t, p);
    },
  },
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
