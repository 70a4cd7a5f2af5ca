import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BadgeScan } from '../types.js';
import { encodeRdm6300 } from './badge-frames.js';
import { SerialBadgeReader } from './serial-badge-reader.js';
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
    // Assess
    expect(changes).toEqual([{ connected: true, error: undefined }]);
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
    expect(changes.map((c) => c.connected)).toEqual([true, false, true]);
    expect(changes[1]?.error).toMatch(/went away/);
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
    expect(before[0]).toMatchObject({ connected: false, error: expect.stringMatching(/^cannot open/) });
  });
});
