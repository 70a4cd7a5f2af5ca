import { AwsServiceError } from '../aws-endpoint/errors.js';

/** Root of the local queues' errors; codes follow SQS (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html). */
export class QueueError extends AwsServiceError {
  override name = 'QueueError';
}

export class QueueDoesNotExistError extends QueueError {
  override name = 'QueueDoesNotExistError';
  constructor(readonly queueName: string) {
    super('QueueDoesNotExist', `The specified queue ${queueName} does not exist.`, 400);
  }
}

export class QueueValidationError extends QueueError {
  override name = 'QueueValidationError';
  constructor(message: string) {
    super('InvalidParameterValue', message, 400);
  }
}

/** A queue attribute's value is out of its range (SQS InvalidAttributeValue). */
export class QueueAttributeValueError extends QueueError {
  override name = 'QueueAttributeValueError';
  constructor(
    readonly attribute: string,
    message: string,
  ) {
    super('InvalidAttributeValue', message, 400);
  }
}

export class ReceiptHandleInvalidError extends QueueError {
  override name = 'ReceiptHandleInvalidError';
  constructor(readonly receiptHandle: string) {
    super(
      'ReceiptHandleIsInvalid',
      `The receipt handle ${receiptHandle} is not valid (expired or deleted).`,
      400,
    );
  }
}

/**
 * A consumer's answer to a batch it did not take, because it is stopping: the subscription
 * puts the messages back, visible and with the receive count they had, so that a stop uses up
 * no receive toward the dead-letter queue.
 */
export class BatchNotTakenError extends Error {
  override name = 'BatchNotTakenError';
}
