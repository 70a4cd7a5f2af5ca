/**
 * An in-process LocalCloud on a fresh temp folder, every port free (plain MQTT off), quiet,
 * without the dashboard: the cloud most end-to-end tests talk to.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCloud, type LocalCloudEndpoints, type LocalCloudOptions } from '@smartdoor/cloud';
import pino from 'pino';

export interface TestCloud {
  cloud: LocalCloud;
  endpoints: LocalCloudEndpoints;
  /** The temp folder; the cloud's data is in `{dir}/cloud`. */
  dir: string;
  /** The endpoint, region and credentials for an AWS SDK client against this cloud. */
  sdk: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Stop the cloud and remove the folder. */
  close(): Promise<void>;
}

/**
 * `config` and `options` add to (or override) the defaults: `badgeWindowSeconds`,
 * `subscriberQueues`, `dashboard: true`, ...
 */
export async function startTestCloud(
  prefix: string,
  extra: { config?: Record<string, unknown>; options?: LocalCloudOptions } = {},
): Promise<TestCloud> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const cloud = new LocalCloud(
    { dataDir: join(dir, 'cloud'), mqttPort: null, mqttsPort: 0, awsPort: 0, httpPort: 0, ...extra.config },
    { logger: pino({ level: 'silent' }), dashboard: false, ...extra.options },
  );
  const endpoints = await cloud.start();
  return {
    cloud,
    endpoints,
    dir,
    sdk: { endpoint: endpoints.aws, region: cloud.config.region, credentials: cloud.config.credentials },
    close: async () => {
      await cloud.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
