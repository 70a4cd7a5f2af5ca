import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DOOR_POLICY_NAME } from '../local/iot/provisioning-template.js';
import { claimDir } from '../local/iot-control/local-provisioning.js';
import { type BulkSummary, planFleet, provisionFleet } from '../provisioning/bulk-provisioner.js';
import { resolveMqttEndpoint } from '../provisioning/data-endpoint.js';
import { parseDoorList } from '../provisioning/door-list.js';
import { stageDoorPolicyName } from '../provisioning/door-policy.js';
import { FleetProvisioningError } from '../provisioning/errors.js';
import { revokeThing } from '../provisioning/revoke.js';

/** Where the commands write (tests pass their own). */
export interface ProvisionCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  setExitCode?: (code: number) => void;
  /** Show the progress bar. @default stderr is a TTY */
  progress?: boolean;
}

interface AwsFlags {
  endpoint?: string;
  region?: string;
}

/**
 * `smartdoor provision`: register doors with IoT (Core or the local cloud): `bulk` from a
 * CSV, `revoke` a door, `claim-cert` to hand the local cloud's claim certificate to an installer.
 */
export function provisionCommand(io: ProvisionCommandIo = {}): Command {
  const out = io.stdout ?? ((t: string) => process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => process.stderr.write(t));
  const setExit = io.setExitCode ?? ((code: number) => (process.exitCode = code));
  const fail = (e: unknown, code = 1) => {
    err(`smartdoor provision: ${(e as Error).message}\n`);
    setExit(code);
  };

  const bulk = new Command('bulk')
    .description('Provision every door of a CSV (header row; thingName, location, other attributes)')
    .argument('<csv>', 'the door list')
    .requiredOption('--out <dir>', 'output folder: journal and one bundle per door (0700)')
    .option('--endpoint <url>', 'IoT API endpoint, e.g. the local cloud http://127.0.0.1:4566')
    .option('--region <region>', 'AWS region (default $AWS_REGION or us-east-1)')
    .option('--concurrency <n>', 'doors in flight at once', positiveInt, 4)
    .option('--dry-run', 'print the plan and change nothing')
    .option(
      '--stage <stage>',
      'the CDK stage deployed to AWS: attaches its door policy smartdoor-door-<stage>',
      stageName,
    )
    .option(
      '--policy <name>',
      `IoT policy attached to every certificate (default: the stage's, else the local cloud's ${DOOR_POLICY_NAME})`,
    )
    .option('--create-keys', 'CreateKeysAndCertificate instead of a CSR made here')
    .option('--ca-file <file>', 'CA certificate to put in each bundle (AmazonRootCA1.pem, the local CA)')
    .option(
      '--mqtt-endpoint <url>',
      'MQTT endpoint for the agent configs (default: DescribeEndpoint iot:Data-ATS)',
    )
    .action(async (csv: string, f: BulkFlags) => {
      try {
        if (f.stage !== undefined && f.policy !== undefined) {
          throw new InvalidArgumentError('give --stage or --policy, not both');
        }
        const policyName =
          f.policy ?? (f.stage === undefined ? DOOR_POLICY_NAME : stageDoorPolicyName(f.stage));
        const doors = parseDoorList(readText(csv, 'door list'), csv);
        const outDir = resolve(f.out);
        if (f.dryRun) {
          for (const line of planFleet(doors, outDir, {
            policyName,
            ...(f.createKeys ? { createKeys: true } : {}),
          })) {
            out(`${line}\n`);
          }
          out(`dry run: ${doors.length} doors, nothing changed\n`);
          return;
        }
        const iot = iotClient(f);
        let mqttEndpoint: string;
        try {
          mqttEndpoint = await resolveMqttEndpoint(iot, f.mqttEndpoint);
        } catch (e) {
          iot.destroy();
          throw e;
        }
        const show = io.progress ?? process.stderr.isTTY === true;
        const bar = new cliProgress.SingleBar(
          {
            format: 'provision [{bar}] {value}/{total} doors | {thing}',
            stream: process.stderr,
            noTTYOutput: io.progress === true,
          },
          cliProgress.Presets.shades_classic,
        );
        if (show) bar.start(doors.length, 0, { thing: '' });
        let summary: BulkSummary;
        try {
          summary = await provisionFleet({
            doors,
            outDir,
            iot,
            policyName,
            mqttEndpoint,
            concurrency: f.concurrency,
            ...(f.caFile ? { caPem: readText(f.caFile, 'CA file') } : {}),
            ...(f.createKeys ? { createKeys: true } : {}),
            onDoor: (r) => {
              if (show) bar.increment({ thing: r.thingName });
            },
          });
        } finally {
          if (show) bar.stop();
          iot.destroy();
        }
        out(
          `${summary.total} doors: ${summary.provisioned} provisioned, ${summary.alreadyDone} already done, ${summary.failed} failed; ${summary.certificatesCreated} certificates created; bundles in ${outDir}\n`,
        );
        for (const f of summary.failures) out(`  failed: ${f.error}\n`);
        if (!f.caFile && f.endpoint) {
          // Without a CA the doors trust the system's (IoT Core's Amazon Root CA is among
          // them); a local cloud's own CA is not, and its doors would refuse the broker.
          out(
            'note: the bundles carry no CA; for the local cloud, run again with --ca-file <its data folder>/ca/ca.crt\n',
          );
        }
        if (summary.failed > 0) setExit(1);
      } catch (e) {
        fail(e, e instanceof FleetProvisioningError ? 2 : 1);
      }
    });

  const revoke = new Command('revoke')
    .description("Deactivate a door's certificates and detach them from the thing")
    .argument('<thing>', 'thing name')
    .option('--endpoint <url>', 'IoT API endpoint, e.g. the local cloud http://127.0.0.1:4566')
    .option('--region <region>', 'AWS region (default $AWS_REGION or us-east-1)')
    .addOption(
      new Option('--status <status>', 'new certificate status')
        .choices(['REVOKED', 'INACTIVE'])
        .default('REVOKED'),
    )
    .action(async (thing: string, f: AwsFlags & { status: 'REVOKED' | 'INACTIVE' }) => {
      const iot = iotClient(f);
      try {
        const r = await revokeThing(iot, thing, { status: f.status });
        out(
          `${thing}: ${r.certificates.length} certificate(s) ${r.status} and detached: ${r.certificates.join(', ')}\n`,
        );
      } catch (e) {
        fail(e);
      } finally {
        iot.destroy();
      }
    });

  const claim = new Command('claim-cert')
    .description("Copy the local cloud's claim certificate, key and CA to a folder for an installer")
    .requiredOption('--out <dir>', 'destination folder (0700)')
    .option('--data-dir <dir>', 'the local cloud data dir', '.data/cloud')
    .action((f: { out: string; dataDir: string }) => {
      try {
        const src = claimDir(resolve(f.dataDir));
        const files: Array<[string, string, number]> = [
          [join(src, 'claim.crt'), 'claim.crt', 0o644],
          [join(src, 'claim.key'), 'claim.key', 0o600],
          [join(resolve(f.dataDir), 'ca', 'ca.crt'), 'ca.crt', 0o644],
        ];
        for (const [from] of files) {
          if (!existsSync(from)) {
            throw new FleetProvisioningError(
              `${from} is missing: start the local cloud once (smartdoor cloud --data-dir ${f.dataDir})`,
            );
          }
        }
        mkdirSync(f.out, { recursive: true, mode: 0o700 });
        chmodSync(f.out, 0o700);
        for (const [from, name, mode] of files) {
          copyFileSync(from, join(f.out, name));
          chmodSync(join(f.out, name), mode);
        }
        out(`claim certificate, key and CA written to ${resolve(f.out)}; template smartdoor-door\n`);
      } catch (e) {
        fail(e);
      }
    });

  return new Command('provision')
    .description('Provision doors: bulk from a CSV, revoke a door, hand out the local claim certificate')
    .addCommand(bulk)
    .addCommand(revoke)
    .addCommand(claim);
}

interface BulkFlags extends AwsFlags {
  out: string;
  concurrency: number;
  dryRun?: boolean;
  stage?: string;
  policy?: string;
  createKeys?: boolean;
  caFile?: string;
  mqttEndpoint?: string;
}

/** An IoT client: the local cloud's test credentials when an endpoint is given without any. */
function iotClient(f: AwsFlags): IoTClient {
  const region = f.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const local = f.endpoint !== undefined && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return new IoTClient({
    region,
    ...(f.endpoint ? { endpoint: f.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
  });
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new FleetProvisioningError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
}

/** As the CDK app's `stage` context: 1-16 lowercase letters and digits, starting with a letter. */
function stageName(v: string): string {
  if (!/^[a-z][a-z0-9]{0,15}$/.test(v)) {
    throw new InvalidArgumentError('1-16 lowercase letters and digits, starting with a letter');
  }
  return v;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('an integer from 1 to 64');
  return n;
}
