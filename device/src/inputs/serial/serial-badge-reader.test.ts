import { EventEmitter } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InputLogger } from '../logger.js';
import type { BadgeScan } from '../types.js';
import { encodeRdm6300 } from './badge-frames.js';
import { SerialBadgeReader, type SerialPortLike } from './serial-badge-reader.js';
import { SocatPtyPair } from './socat-pty-pair.js';

/*
 * Real pseudo-terminals: socat links `a` (the test writes, as the reader hardware would)
 * to `b` (the SerialBadgeReader opens it with serialport). Killing socat is an unplug.
 */
describe('Class: SerialBadgeReader', () => {
  let dir: string;
  let pty: SocatPtyPair;
  let reader: SerialBadgeReader | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-pty-'));
    pty = new SocatPtyPair(join(dir, 'a'), join(dir, 'b'));
    await pty.start();
  });
  afterEach(async () => {
    await reader?.stop();
    reader = undefined;
    await pty.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (data: Buffer | string) => {
    const fd = openSync(pty.a, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    } finally {
      closeSync(fd);
    }
  };
  const make = (extra: Partial<ConstructorParameters<typeof SerialBadgeReader>[0]> = {}) => {
    reader = new SerialBadgeReader({ path: pty.b, reconnectMs: 50, ...extra });
    const scans: BadgeScan[] = [];
    const changes: Array<{ connected: boolean; error?: string }> = [];
    reader.onScan((s) => scans.push(s));
    reader.onConnectionChange((connected, error) => changes.push({ connected, error: error?.message }));
    return { reader, scans, changes };
  };

  it('reads good RDM6300 frames and counts bad checksums and garbage', async () => {
    // Prepare
    const { reader, scans, changes } = make();
    await reader.start();
    // Act
    write(Buffer.concat([encodeRdm6300('0102030405'), encodeRdm6300('0A0B0C0D0E', { badChecksum: true })]));
    write(Buffer.concat([Buffer.from('garbage'), encodeRdm6300('62E3086CED')]));
    await vi.waitFor(() => expect(scans).toHaveLength(2));
    // Assess: a reader found at start is not a change
    expect(changes).toEqual([]);
    expect(scans.map((s) => s.badgeId)).toEqual(['0102030405', '62E3086CED']);
    expect(reader.badFrames).toBe(2);
  });

  it('suppresses a held card repeating', async () => {
    // Prepare
    const { reader, scans } = make({ repeatWindowMs: 1_500 });
    await reader.start();
    // Act
    const frame = encodeRdm6300('0102030405');
    write(Buffer.concat([frame, frame, frame, frame, encodeRdm6300('62E3086CED')]));
    await vi.waitFor(() => expect(scans).toHaveLength(2));
    // Assess
    expect(scans.map((s) => s.badgeId)).toEqual(['0102030405', '62E3086CED']);
  });

  it('reads one id per line in line mode', async () => {
    // Prepare
    const { reader, scans } = make({ protocol: 'line' });
    await reader.start();
    // Act
    write('0012345678\r\nnot an id\r\n0099\r\n');
    await vi.waitFor(() => expect(scans).toHaveLength(2));
    // Assess
    expect(scans.map((s) => s.badgeId)).toEqual(['0012345678', '0099']);
    expect(reader.badFrames).toBe(1);
  });

  it('reconnects after an unplug and replug, and reads again', async () => {
    // Prepare
    const { reader, scans, changes } = make();
    await reader.start();
    write(encodeRdm6300('0102030405'));
    await vi.waitFor(() => expect(scans).toHaveLength(1));
    // Act
    await pty.stop();
    await vi.waitFor(() => expect(changes.at(-1)?.connected).toBe(false));
    await new Promise((r) => setTimeout(r, 200)); // a few failed retries while unplugged
    await pty.start();
    await vi.waitFor(() => expect(changes.at(-1)?.connected).toBe(true));
    write(encodeRdm6300('62E3086CED'));
    await vi.waitFor(() => expect(scans).toHaveLength(2));
    // Assess
    expect(changes.map((c) => c.connected)).toEqual([false, true]);
    expect(changes[0]?.error).toMatch(/went away/);
    expect(scans[1]?.badgeId).toBe('62E3086CED');
  });

  it('starts without the reader plugged in and connects when it appears', async () => {
    // Prepare
    await pty.stop();
    const { reader, scans, changes } = make();
    // Act
    await reader.start();
    const before = [...changes];
    await pty.start();
    await vi.waitFor(() => expect(reader.isConnected).toBe(true));
    write(encodeRdm6300('0102030405'));
    await vi.waitFor(() => expect(scans).toHaveLength(1));
    // Assess
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({
      connected: false,
      error: `cannot open ${pty.b}: no such file or directory`,
    });
    expect(changes.map((c) => c.connected)).toEqual([false, true]);
  });
});

/** A port that opens (or fails to, with `openError`) and delivers what the test pushes. */
class FakePort extends EventEmitter implements SerialPortLike {
  isOpen = false;
  constructor(private readonly openError?: Error) {
    super();
  }
  open(callback: (err: Error | null) => void): void {
    this.isOpen = !this.openError;
    queueMicrotask(() => callback(this.openError ?? null));
  }
  close(callback?: (err?: Error | null) => void): void {
    this.isOpen = false;
    callback?.(null);
  }
  push(data: Buffer): void {
    this.emit('data', data);
  }
}

/* The reader's reports with a fake port and a fake time: no pseudo-terminal, no waiting. */
describe('Class: SerialBadgeReader, reporting', () => {
  let now: number;
  let warnings: Array<{ obj: object; msg: string }>;
  let reader: SerialBadgeReader;
  const logger: InputLogger = {
    debug: () => {},
    info: () => {},
    warn: (obj, msg) => warnings.push({ obj, msg }),
  };
  const make = (port: FakePort) => {
    reader = new SerialBadgeReader({
      path: '/dev/ttyFAKE',
      portFactory: async () => port,
      now: () => now,
      logger,
      timers: { setTimeout: () => 0, clearTimeout: () => {} },
    });
    const changes: Array<{ connected: boolean; error?: string }> = [];
    const frameErrors: Array<{ failing: boolean; error?: string }> = [];
    reader.onConnectionChange((connected, error) => changes.push({ connected, error: error?.message }));
    reader.onFrameErrors((failing, error) => frameErrors.push({ failing, error: error?.message }));
    return { changes, frameErrors };
  };
  beforeEach(() => {
    now = Date.UTC(2026, 10, 22, 12);
    warnings = [];
  });
  afterEach(async () => {
    await reader.stop();
  });

  it('tells nothing at start when the reader is there, and that it is missing when it is not', async () => {
    // Prepare
    const there = make(new FakePort());
    // Act
    await reader.start();
    await reader.stop();
    const missing = make(
      new FakePort(new Error('Error: No such file or directory, cannot open /dev/ttyFAKE')),
    );
    await reader.start();
    // Assess
    expect(there.changes).toEqual([]);
    expect(missing.changes).toEqual([
      { connected: false, error: 'cannot open /dev/ttyFAKE: no such file or directory' },
    ]);
  });

  it('raises frame errors after 5 bad frames with no good one, warns at most once a minute, and clears at a good frame', async () => {
    // Prepare
    const port = new FakePort();
    const { frameErrors } = make(port);
    await reader.start();
    const bad = encodeRdm6300('0A0B0C0D0E', { badChecksum: true });
    // Act
    for (let i = 0; i < 4; i++) port.push(bad);
    const afterFour = frameErrors.length;
    port.push(bad);
    for (let i = 0; i < 50; i++) {
      now += 1_000; // a bad frame a second: a reader at the wrong baud rate
      port.push(bad);
    }
    port.push(encodeRdm6300('0102030405'));
    // Assess
    expect(afterFour).toBe(0);
    expect(frameErrors).toEqual([
      {
        failing: true,
        error:
          '5 bad frames within 60 s and none read from /dev/ttyFAKE (rdm6300 at 9600 baud): ' +
          'wrong baud rate or reader model, or noise on the line',
      },
      { failing: false, error: undefined },
    ]);
    expect(warnings.map((w) => w.msg)).toEqual([
      'badge reader frames cannot be read: wrong baud rate or reader model, or noise on the line',
    ]);
    expect(reader.badFrames).toBe(55);
  });

  it('repeats the warning after a minute of bad frames, and does not raise for bad frames spread over more than a minute', async () => {
    // Prepare
    const port = new FakePort();
    const { frameErrors } = make(port);
    await reader.start();
    const bad = encodeRdm6300('0A0B0C0D0E', { badChecksum: true });
    // Act: one bad frame every 15 s: never 5 within a minute
    for (let i = 0; i < 8; i++) {
      port.push(bad);
      now += 15_000;
    }
    const spread = frameErrors.length;
    for (let i = 0; i < 5; i++) port.push(bad);
    now += 60_000;
    port.push(bad);
    // Assess
    expect(spread).toBe(0);
    expect(frameErrors.map((f) => f.failing)).toEqual([true]);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]?.obj).toMatchObject({ badFrames: 14 });
  });
});
