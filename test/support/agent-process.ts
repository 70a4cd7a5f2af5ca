import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./agent-child.ts', import.meta.url));

/** How to launch the child. */
export interface AgentLaunch {
  /** Extra node flags, e.g. --max-semi-space-size=2. @default none */
  nodeArgs?: string[];
  /** A prebuilt JS entry to run with plain node instead of agent-child.ts through tsx. */
  entry?: string;
}

export interface AgentChildStats {
  rss: number;
  depth: number;
  published: number;
}

export type ChildAck = { step: number; seq: number; key: string } | { step: number; none: true };

/** Drives test/support/agent-child.ts: a real DoorAgent in its own process. */
export class AgentProcess {
  #child: ChildProcess | undefined;
  #waiters: Array<{ resolve: (a: ChildAck) => void; reject: (e: Error) => void }> = [];
  #ready: Promise<void> | undefined;
  stderr = '';

  constructor(
    private readonly dataDir: string,
    private readonly brokerUrl: string,
    private readonly outboxKind: 'sqlite' | 'log',
    private readonly launch: AgentLaunch = {},
  ) {}

  /** Start the agent with the door in `initial`; resolves once it says ready. */
  start(initial: 'open' | 'closed'): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        ...(this.launch.nodeArgs ?? []),
        ...(this.launch.entry ? [this.launch.entry] : ['--import', 'tsx', CHILD]),
        this.dataDir,
        this.brokerUrl,
        this.outboxKind,
        initial,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.#child = child;
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => {
        const err = new Error(`agent child exited (${code ?? signal}): ${this.stderr.slice(-2_000)}`);
        reject(err);
        for (const w of this.#waiters.splice(0)) w.reject(err);
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const msg = JSON.parse(line) as { ready?: true } & ChildAck;
        if (msg.ready) resolve();
        else this.#waiters.shift()?.resolve(msg);
      });
    });
    return this.#ready;
  }

  /** Set the door; resolves with the child's answer once the event is durable. */
  send(state: 'open' | 'closed'): Promise<ChildAck> {
    return new Promise<ChildAck>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#child!.stdin!.write(`${state}\n`);
    });
  }

  /** The child's RSS, outbox depth and published count. */
  stats(): Promise<AgentChildStats> {
    return new Promise<AgentChildStats>((resolve, reject) => {
      this.#waiters.push({ resolve: resolve as unknown as (a: ChildAck) => void, reject });
      this.#child!.stdin!.write('stats\n');
    });
  }

  /** SIGKILL: no cleanup of any kind, like a power cut for the process. */
  async kill(): Promise<void> {
    await this.#signal('SIGKILL');
  }

  /** SIGTERM: the agent stops cleanly; resolves with the exit code. */
  async stop(): Promise<number | null> {
    return this.#signal('SIGTERM');
  }

  async #signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(signal);
    const code = await exited;
    this.#ready?.catch(() => {});
    return code;
  }
}
