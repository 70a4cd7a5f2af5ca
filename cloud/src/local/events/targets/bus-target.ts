import type { BusEvent } from '@smartdoor/shared';
import { TargetInvocationError } from '../errors.js';
import type { Invocation, TargetKind } from './target-invoker.js';

const BUS_RE = /^arn:aws:events:[^:]*:[^:]*:event-bus\/([^/]+)$/;

/** Another bus of this local EventBridge: the original event is put on it unchanged. */
export class BusTarget implements TargetKind {
  readonly kind = 'event-bus';
  constructor(
    private readonly hasBus: (name: string) => boolean,
    private readonly forward: (busName: string, event: BusEvent) => void,
  ) {}

  accepts(arn: string): boolean {
    return BUS_RE.test(arn);
  }

  check(arn: string): string | undefined {
    const name = BUS_RE.exec(arn)?.[1];
    return name !== undefined && this.hasBus(name) ? undefined : `Event bus ${arn} does not exist.`;
  }

  async invoke({ arn, event }: Invocation): Promise<void> {
    const name = BUS_RE.exec(arn)?.[1] ?? '';
    if (!this.hasBus(name))
      throw new TargetInvocationError('ResourceNotFoundException', `Event bus not found: ${arn}`, false);
    this.forward(name, event);
  }
}
