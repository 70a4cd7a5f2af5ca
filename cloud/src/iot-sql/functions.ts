import type { FunctionTable } from './function-def.js';
import { MATH_FUNCTIONS } from './functions-math.js';
import { MESSAGE_FUNCTIONS } from './functions-message.js';
import { STRING_FUNCTIONS } from './functions-string.js';
import { TIME_FUNCTIONS } from './functions-time.js';

/** Every function the local evaluator runs, by lower-case name (IoT SQL function names ignore case). */
export const FUNCTIONS: FunctionTable = {
  ...MATH_FUNCTIONS,
  ...STRING_FUNCTIONS,
  ...MESSAGE_FUNCTIONS,
  ...TIME_FUNCTIONS,
};

/**
 * Functions that call another AWS service while the rule runs. They are valid IoT SQL
 * and run on AWS, but a local rule using them is refused when it is created.
 */
export const AWS_ONLY_FUNCTIONS: Readonly<Record<string, string>> = {
  aws_lambda: 'invokes an AWS Lambda function',
  get_dynamodb: 'reads an Amazon DynamoDB table',
  get_secret: 'reads AWS Secrets Manager',
  get_thing_shadow: 'reads a device shadow through the AWS IoT data plane',
  get_registry_data: 'reads the AWS IoT thing registry',
  machinelearning_predict: 'calls Amazon Machine Learning',
};
