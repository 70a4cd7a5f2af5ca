import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A real pseudo-terminal pair made by socat, for tests and bench work without a reader:
 * bytes written to `a` come out of `b`. stop() kills socat, which a reader on `b` sees as
 * an unplug; start() again is a replug at the same paths.
 */
export class SocatPtyPair {
  private child: ChildProcess | undefined;

  constructor(
    readonly a: string,
    readonly b: string,
  ) {}

  async start(timeoutMs = 5_000): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => {
      stderr = (stderr + c).slice(-2_000);
    });
    const deadline = Date.now() + timeoutMs;
    // socat logs "starting data transfer loop" once both ptys and links exist.
    while (!(stderr.includes('starting data transfer loop') && existsSync(this.a) && existsSync(this.b))) {
      if (child.exitCode !== null) throw new Error(`socat exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`socat did not start in ${timeoutMs} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}
