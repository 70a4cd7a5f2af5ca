import type { Logger } from '@aws-lambda-powertools/logger';
import type { SubscriberLog } from './sqs-types.js';

/** The handler cores' log port over a Powertools Logger (its extra input is a list of attribute objects). */
export function powertoolsLog(logger: Logger): SubscriberLog {
  return {
    debug: (message, attributes) => logger.debug(message, attributes ?? {}),
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    warn: (message, attributes) => logger.warn(message, attributes ?? {}),
    error: (message, attributes) => logger.error(message, attributes ?? {}),
  };
}
