import type { LocalQueues } from '../../queues/local-queues.js';
import { queueNameFromArn } from '../../queues/model.js';
import { TargetInvocationError } from '../errors.js';
import type { Invocation, TargetKind } from './target-invoker.js';

/** Local SQS-like queues, addressed as `arn:aws:sqs:{region}:{account}:{name}`. */
export class QueueTarget implements TargetKind {
  readonly kind = 'sqs';
  constructor(private readonly queues: LocalQueues) {}

  accepts(arn: string): boolean {
    return queueNameFromArn(arn) !== undefined;
  }

  check(arn: string): string | undefined {
    const name = queueNameFromArn(arn);
    return name !== undefined && this.queues.hasQueue(name) ? undefined : `No local queue for ${arn}`;
  }

  async invoke({ arn, input }: Invocation): Promise<void> {
    const name = queueNameFromArn(arn)!;
    if (!this.queues.hasQueue(name)) {
      throw new TargetInvocationError('ResourceNotFoundException', `Queue not found: ${arn}`, false);
    }
    this.queues.send(name, input.text);
  }
}
