import { Command, InvalidArgumentError, Option } from 'commander';
import { resolveAgentConfigPath } from '../config/load-agent-config.js';
import { provisionDevice } from './provision-device.js';

interface ProvisionFlags {
  claimCert: string;
  claimKey: string;
  template: string;
  serial: string;
  endpoint?: string;
  caFile?: string;
  config?: string;
  outDir?: string;
  createKeys?: boolean;
  param: Record<string, string>;
  clientId?: string;
  client: 'auto' | 'aws-iot' | 'mqtt';
  json?: boolean;
}

/** Where certificates go when --out-dir is not given. */
export const DEFAULT_CERT_DIR = '/etc/smartdoor/certs';

/**
 * `smartdoor-agent provision`: fleet provisioning by claim, run on the door itself.
 * Prints what it did (or that the device was already provisioned); errors are one line.
 */
export function provisionCommand(io: { stdout?: (t: string) => void } = {}): Command {
  const out = io.stdout ?? ((t: string) => process.stdout.write(t));
  return new Command('provision')
    .description('Give this door its own identity from a claim certificate (fleet provisioning by claim)')
    .requiredOption('--claim-cert <file>', 'claim certificate (PEM)')
    .requiredOption('--claim-key <file>', 'claim private key (PEM)')
    .requiredOption('--template <name>', 'fleet provisioning template name')
    .requiredOption(
      '--serial <serial>',
      'serial number of this door (template parameter SerialNumber)',
      serial,
    )
    .option(
      '--endpoint <host>',
      'IoT endpoint: host, host:port or mqtts:// URL (default: mqtt.endpoint of the config)',
    )
    .option('--ca-file <file>', 'CA certificate to trust (e.g. AmazonRootCA1.pem, the local CA)')
    .option(
      '-c, --config <file>',
      'agent config to update (default: $SMARTDOOR_AGENT_CONFIG or /etc/smartdoor/agent.json)',
    )
    .option('--out-dir <dir>', `folder for the certificate, key and state (default ${DEFAULT_CERT_DIR})`)
    .option(
      '--create-keys',
      'let IoT Core make the key (CreateKeysAndCertificate) instead of a CSR made here',
    )
    .addOption(
      new Option('--param <name=value>', 'another template parameter (repeatable)')
        .argParser(param)
        .default({}, 'none'),
    )
    .option(
      '--client-id <id>',
      'client id of the claim connection, starting with claim- (default claim-<serial>)',
    )
    .addOption(
      new Option('--client <kind>', 'identity client: aws-iot-device-sdk-v2 or MQTT.js')
        .choices(['auto', 'aws-iot', 'mqtt'])
        .default('auto'),
    )
    .option('--json', 'print the result as JSON')
    .action(async (f: ProvisionFlags) => {
      const result = await provisionDevice({
        claimCertFile: f.claimCert,
        claimKeyFile: f.claimKey,
        templateName: f.template,
        serial: f.serial,
        configPath: resolveAgentConfigPath(f.config === undefined ? {} : { path: f.config }),
        outDir: f.outDir ?? DEFAULT_CERT_DIR,
        client: f.client,
        parameters: f.param,
        ...(f.endpoint ? { endpoint: f.endpoint } : {}),
        ...(f.caFile ? { caFile: f.caFile } : {}),
        ...(f.createKeys ? { createKeys: true } : {}),
        ...(f.clientId ? { clientId: f.clientId } : {}),
        ...(f.json ? {} : { log: (line: string) => out(`${line}\n`) }),
      });
      if (f.json) out(`${JSON.stringify(result)}\n`);
    });
}

function serial(value: string): string {
  if (!/^[a-zA-Z0-9:_-]{1,64}$/.test(value)) {
    throw new InvalidArgumentError('a serial number is 1-64 of a-z, A-Z, 0-9, ":", "_", "-"');
  }
  return value;
}

function param(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not name=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
