import { readFileSync } from 'node:fs';
import { SimulatorOptionError } from './errors.js';
import type { SimCloud } from './sim-cloud.js';

export interface ExternalCloudOptions {
  /** mqtt://host:port (client id = thing name) or mqtts://host:port with --ca/--cert/--key. */
  endpoint: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * A broker this process does not run. The simulator sees only PUBACKs then: the summary
 * counts created and acknowledged events, not what reached the bus.
 */
export function externalCloud(options: ExternalCloudOptions): SimCloud {
  let url: URL;
  try {
    url = new URL(options.endpoint);
  } catch (cause) {
    throw new SimulatorOptionError(
      '--endpoint',
      `expected a URL like mqtts://127.0.0.1:8883, received "${options.endpoint}"`,
      { cause },
    );
  }
  const scheme = url.protocol.replace(':', '');
  if (scheme !== 'mqtt' && scheme !== 'mqtts') {
    throw new SimulatorOptionError(
      '--endpoint',
      `expected a URL like mqtts://127.0.0.1:8883 (scheme mqtt or mqtts), received "${options.endpoint}"`,
    );
  }
  const read = (option: string, file: string | undefined) => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (cause) {
      throw new SimulatorOptionError(option, `cannot read ${file} (${(cause as Error).message})`, { cause });
    }
  };
  const credentials = {
    ca: read('--ca', options.caFile),
    cert: read('--cert', options.certFile),
    key: read('--key', options.keyFile),
  };
  return {
    broker: { scheme, host: url.hostname, port: Number(url.port) || (scheme === 'mqtts' ? 8883 : 1883) },
    credentials: async () => credentials,
    async stop() {},
  };
}
