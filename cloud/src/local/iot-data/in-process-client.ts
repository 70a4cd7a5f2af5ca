import { type IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { InvalidRequestError } from './errors.js';

/** A Publish as it crosses to the thread that owns the broker (structured-cloneable). */
export interface PublishInput {
  topic: string;
  payload: Uint8Array;
  qos: number;
  retain: boolean;
}

/**
 * An IoT Data Plane client whose PublishCommands go to `publish` instead of the endpoint:
 * for the functions the local cloud runs in its own threads (the subscribers' buzzer
 * commands), as their PutEvents do. Through the SDK, signing and HTTP, these Publishes took
 * 4% of the subscriber thread's busy time at 4,000 events/s, though only 1 event in 30
 * sounds a buzzer. Other commands are refused: those functions only publish. Clients in
 * other processes use the endpoint.
 */
export function iotDataPublishClient(
  publish: (input: PublishInput) => Promise<void>,
): Pick<IoTDataPlaneClient, 'send'> {
  const send = async (command: unknown): Promise<{ $metadata: object }> => {
    if (!(command instanceof PublishCommand)) {
      throw new InvalidRequestError(
        `the local cloud's own IoT Data client takes Publish only, not ${(command as object)?.constructor?.name}`,
      );
    }
    const { topic, payload, qos, retain } = command.input;
    if (topic === undefined) throw new InvalidRequestError('Publish needs a topic');
    await publish({ topic, payload: bytesOf(payload), qos: qos ?? 0, retain: retain ?? false });
    return { $metadata: {} };
  };
  return { send } as unknown as Pick<IoTDataPlaneClient, 'send'>;
}

/** The payload forms a function hands the SDK in memory; streams and blobs are refused. */
function bytesOf(payload: unknown): Uint8Array {
  if (payload === undefined) return new Uint8Array();
  if (typeof payload === 'string') return new TextEncoder().encode(payload);
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  throw new InvalidRequestError(
    "the local cloud's own IoT Data client takes a string or bytes as the payload",
  );
}
