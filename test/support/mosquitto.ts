import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import type { TestPki } from './pki.js';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/** The ACL used by default: each client (its certificate CN) may use only its own topics. */
export const PER_THING_ACL = [
  'pattern readwrite smartdoor/%u/#',
  'pattern readwrite $aws/things/%u/shadow/#',
  '',
  '# The test observer sees everything.',
  'user observer',
  'topic read #',
  'topic read $aws/#',
  '',
].join('\n');

export interface MosquittoOptions {
  pki: TestPki;
  /** Folder for the config, ACL and log. */
  dir: string;
  /** @default PER_THING_ACL */
  acl?: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * A real mosquitto (Debian's /usr/sbin/mosquitto) with mutual TLS, as IoT Core does it:
 * client certificates required, the certificate's CN is the username, and an ACL
 * `pattern readwrite smartdoor/%u/#` keeps each door on its own topics. Listens on
 * 127.0.0.1 on a free port. `log()` returns what mosquitto wrote, for failing tests.
 */
export class Mosquitto {
  port = 0;
  #child: ChildProcess | undefined;
  #log = '';

  constructor(private readonly options: MosquittoOptions) {}

  get url(): string {
    return `mqtts://127.0.0.1:${this.port}`;
  }

  log(): string {
    return this.#log;
  }

  async start(): Promise<this> {
    const { dir, pki } = this.options;
    this.port = this.port || (await freePort());
    const aclFile = join(dir, 'mosquitto.acl');
    writeFileSync(aclFile, this.options.acl ?? PER_THING_ACL);
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        'per_listener_settings false',
        'persistence false',
        'log_dest stdout',
        'log_type error',
        'log_type warning',
        'log_type notice',
        'log_type information',
        `listener ${this.port} 127.0.0.1`,
        `cafile ${pki.caCert}`,
        `certfile ${pki.serverCert}`,
        `keyfile ${pki.serverKey}`,
        'require_certificate true',
        'use_identity_as_username true',
        'allow_anonymous false',
        `acl_file ${aclFile}`,
        '',
      ].join('\n'),
    );
    // Started as root, mosquitto drops to the `mosquitto` user: let it read the files.
    if (process.getuid?.() === 0) {
      chmodSync(dir, 0o755);
      for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
    }
    const child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout!.on('data', (d: Buffer) => {
      this.#log += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.#log += d.toString();
    });
    const until = Date.now() + 10_000;
    while (!(await portOpen(this.port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited at start: ${this.#log}`);
      if (Date.now() > until) throw new Error(`mosquitto did not listen on ${this.port}: ${this.#log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
  }
}

export async function startMosquitto(options: MosquittoOptions): Promise<Mosquitto> {
  return new Mosquitto(options).start();
}
