/**
 * Errors of the agent core (state machine, events, outbox, transports, agent). One root,
 * AgentError, and specific subclasses that carry their context and pass `{ cause }`.
 */
export class AgentError extends Error {
  override name = 'AgentError';
}

/**
 * The durable outbox could not be opened, read or written. The cause's message is part of
 * the message: the CLI prints the message alone, and "no space left on device" is the
 * part that says what to do.
 */
export class OutboxError extends AgentError {
  override name = 'OutboxError';
  constructor(
    message: string,
    /** Where the outbox lives (file or database path), or `memory`. */
    readonly location: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    const why = cause === undefined ? '' : `: ${cause instanceof Error ? cause.message : String(cause)}`;
    super(`${message}${why} (outbox ${location})`, options);
  }
}

/** The outbox is full of events that must not be dropped: the new event was refused. */
export class OutboxFullError extends OutboxError {
  override name = 'OutboxFullError';
  constructor(
    location: string,
    readonly maxEvents: number,
    readonly eventType: string,
  ) {
    super(`outbox full: ${maxEvents} events waiting, none of them droppable; refused ${eventType}`, location);
  }
}

/**
 * Another live agent has the outbox open. Two agents on one outbox would each compact away
 * or delete the other's events: the second one does not start.
 */
export class OutboxInUseError extends OutboxError {
  override name = 'OutboxInUseError';
  constructor(
    location: string,
    readonly pid: number,
  ) {
    super(
      `the outbox is in use by another agent (pid ${pid}); stop that one (systemctl stop smartdoor-agent) ` +
        `or give this one its own dataDir`,
      location,
    );
  }
}

/**
 * The other kind of outbox in the data folder still holds unsent events (the store was
 * switched with `run --outbox`): starting on this one would leave them unsent for good
 * and restart seq where they already used it.
 */
export class OutboxStrandedError extends OutboxError {
  override name = 'OutboxStrandedError';
  constructor(
    location: string,
    readonly otherKind: string,
    readonly otherFile: string,
    readonly waiting: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${otherFile} (the ${otherKind} outbox) ${
        waiting === undefined
          ? 'cannot be read to check for unsent events'
          : `still holds ${waiting} unsent event(s)`
      }; run with --outbox ${otherKind} until they are sent, or move ${otherFile} away, before using this one`,
      location,
      options,
    );
  }
}

/** The outbox's files hold something the agent did not write (not a torn tail). */
export class OutboxCorruptError extends OutboxError {
  override name = 'OutboxCorruptError';
}

/** A transport failed to connect, publish or subscribe. */
export class TransportError extends AgentError {
  override name = 'TransportError';
}

/** The connection dropped while a publish waited for its PUBACK; the outbox resends it. */
export class ConnectionLostError extends TransportError {
  override name = 'ConnectionLostError';
  constructor(readonly topic: string) {
    super(`connection lost before PUBACK for ${topic}`);
  }
}

/** The transport is not connected; publish later. */
export class NotConnectedError extends TransportError {
  override name = 'NotConnectedError';
  constructor(readonly topic: string) {
    super(`not connected: cannot publish to ${topic}`);
  }
}

/** The broker refused a publish (MQTT 5 PUBACK reason code >= 0x80, e.g. not authorized). */
export class PublishRefusedError extends TransportError {
  override name = 'PublishRefusedError';
  constructor(
    readonly topic: string,
    readonly reasonCode: number,
    readonly reason?: string,
  ) {
    super(
      `broker refused publish to ${topic}: reason code 0x${reasonCode.toString(16)}${reason ? ` (${reason})` : ''}`,
    );
  }
}

/**
 * The broker refused some subscriptions (SUBACK failure codes). The connection is kept:
 * events still go out, only those cloud-to-device messages will not arrive.
 */
export class SubscriptionRefusedError extends TransportError {
  override name = 'SubscriptionRefusedError';
  constructor(readonly filters: string[]) {
    super(`broker refused subscriptions: ${filters.join(', ')}`);
  }
}

/** A payload over IoT Core's 128 KB publish limit. */
export class PayloadTooLargeError extends TransportError {
  override name = 'PayloadTooLargeError';
  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`payload for ${topic} is ${bytes} bytes, over the limit of ${limit}`);
  }
}

/** The aws-iot-device-sdk-v2 / aws-crt transport is not available on this machine. */
export class TransportUnavailableError extends TransportError {
  override name = 'TransportUnavailableError';
}
