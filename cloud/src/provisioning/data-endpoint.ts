import { DescribeEndpointCommand, type IoTClient } from '@aws-sdk/client-iot';
import { FleetProvisioningError } from './errors.js';

/**
 * The MQTT endpoint doors connect to: the one given, else the account's ATS data endpoint
 * from DescribeEndpoint (a bare host means MQTT over TLS on 8883 to the agent).
 */
export async function resolveMqttEndpoint(iot: IoTClient, given?: string): Promise<string> {
  if (given) return given;
  try {
    const r = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    if (!r.endpointAddress) throw new Error('no endpointAddress in the answer');
    return r.endpointAddress;
  } catch (err) {
    throw new FleetProvisioningError(
      `no --mqtt-endpoint given and DescribeEndpoint failed (${(err as Error).message}); pass --mqtt-endpoint`,
      { cause: err },
    );
  }
}
