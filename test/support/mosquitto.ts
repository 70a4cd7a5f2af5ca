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

/** How many free ports `start()` tries when another process takes the one it picked. */
const START_ATTEMPTS = 5;

/** mosquitto could not listen because another process took the port after we picked it. */
class PortTakenError extends Error {}

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

  /**
   * Start mosquitto. The first start picks a free port; as the port is free only until
   * mosquitto binds it, another process may take it in between: then mosquitto exits and
   * `start()` tries again on another free port (up to START_ATTEMPTS times). A start after
   * `stop()` keeps its port, as clients reconnect to it.
   */
  async start(): Promise<this> {
    const keepPort = this.port !== 0;
    for (let attempt = 1; ; attempt++) {
      if (!keepPort) this.port = await freePort();
      try {
        await this.#spawn();
        return this;
      } catch (error) {
        if (keepPort || !(error instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw error;
      }
    }
  }

  async #spawn(): Promise<void> {
    const { dir, pki } = this.options;
    const aclFile = join(dir, 'mosquitto.acl');
    writeFileSync(aclFile, this.options.acl ?? PER_THING_ACL);
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        'per_listener_settings false',
        'persistence false',
        // stderr, not stdout: stdout to a pipe is block-buffered, so log() would stay empty
        // while mosquitto runs, and "running" (the listener is up) would not be seen.
        'log_dest stderr',
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
    // The log runs on across restarts and retries; this start's output begins here.
    const from = this.#log.length;
    const child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout!.on('data', (d: Buffer) => {
      this.#log += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.#log += d.toString();
    });
    // 'close', not 'exit': by then all of its output has been read into the log.
    const closed = new Promise<void>((r) => child.once('close', () => r()));
    // Ready once mosquitto says it runs (its listener is up) and the port answers: the port
    // alone could be another process's, which took it before mosquitto could.
    const until = Date.now() + 10_000;
    while (!(/ running\b/.test(this.#log.slice(from)) && (await portOpen(this.port)))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        await closed;
        this.#child = undefined;
        if (/Address already in use/.test(this.#log.slice(from))) {
          throw new PortTakenError(`port ${this.port} was taken before mosquitto could listen: ${this.#log}`);
        }
        throw new Error(`mosquitto exited at start: ${this.#log}`);
      }
      if (Date.now() > until) {
        await this.stop();
        throw new Error(`mosquitto did not listen on ${this.port}: ${this.#log}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
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
