import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FILES } from '@smartdoor/cloud/provisioning/bundle';
import { SimulatorOptionError } from './errors.js';
import type { DoorCredentials } from './fleet/virtual-door.js';
import type { SimCloud } from './sim-cloud.js';

export interface ExternalCloudOptions {
  /** mqtt://host:port (client id = thing name) or mqtts://host:port with --ca/--cert/--key. */
  endpoint: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /**
   * A folder of per-door bundles, as `smartdoor provision bulk --out` writes them
   * (`{thingName}/certificate.pem.crt`, `private.pem.key`, `ca.pem`): each door presents its
   * own certificate, as a provisioned fleet does.
   */
  bundlesDir?: string;
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
  if (options.bundlesDir && (options.certFile || options.keyFile)) {
    throw new SimulatorOptionError(
      '--bundles',
      'give the doors either --bundles or --cert and --key, not both',
    );
  }
  if (options.bundlesDir && scheme !== 'mqtts') {
    throw new SimulatorOptionError(
      '--bundles',
      `needs an mqtts:// --endpoint (the bundles hold TLS client certificates), received "${options.endpoint}"`,
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
    credentials: async (thingName) =>
      options.bundlesDir ? readBundle(options.bundlesDir, thingName, credentials.ca) : credentials,
    async stop() {},
  };
}

/** A door's certificate and key from its bundle; its CA, or the one --ca gave. */
function readBundle(bundlesDir: string, thingName: string, fallbackCa: string | undefined): DoorCredentials {
  const file = (name: string) => join(bundlesDir, thingName, name);
  try {
    const caFile = file(BUNDLE_FILES.ca);
    return {
      cert: readFileSync(file(BUNDLE_FILES.certificate), 'utf8'),
      key: readFileSync(file(BUNDLE_FILES.privateKey), 'utf8'),
      ca: existsSync(caFile) ? readFileSync(caFile, 'utf8') : fallbackCa,
    };
  } catch (cause) {
    throw new SimulatorOptionError(
      '--bundles',
      `no bundle for ${thingName} in ${bundlesDir} (${(cause as Error).message}); ` +
        'smartdoor provision bulk --out writes one per door, and the doors are named by --prefix and a number',
      { cause },
    );
  }
}
