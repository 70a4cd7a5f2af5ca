/**
 * Frame parsers for serial badge readers: pure, stateful across chunks (a frame may arrive
 * split over several reads), no I/O. Each push returns what the bytes completed.
 */
export type FrameResult = { ok: true; badgeId: string } | { ok: false; reason: string };

export interface BadgeFrameParser {
  push(chunk: Buffer): FrameResult[];
  /** Drop a partial frame (after a reconnect). */
  reset(): void;
}

const STX = 0x02;
const ETX = 0x03;
const CR = 0x0d;
const LF = 0x0a;
/** 10 hex characters of data and 2 of checksum between STX and ETX. */
const RDM6300_BODY = 12;

/**
 * The common 125 kHz reader frame (RDM6300 and clones, 9600 8N1): STX, 10 ASCII hex
 * characters (version byte + 4-byte card number), 2 ASCII hex characters of checksum
 * (XOR of the 5 data bytes), ETX. The badge id is the 10 data characters, upper case.
 */
export class Rdm6300Parser implements BadgeFrameParser {
  private body: number[] | undefined;
  /** After a bad frame, skip to the next STX without counting the rest again. */
  private skipping = false;
  /** Bytes seen outside any frame; one run of garbage counts as one bad frame. */
  private garbage = 0;

  push(chunk: Buffer): FrameResult[] {
    const out: FrameResult[] = [];
    for (const byte of chunk) {
      if (byte === STX) {
        this.flushGarbage(out);
        if (this.body)
          out.push({ ok: false, reason: `frame cut short after ${this.body.length} characters` });
        this.body = [];
        this.skipping = false;
        continue;
      }
      if (!this.body) {
        if (!this.skipping && byte !== CR && byte !== LF) this.garbage++;
        continue;
      }
      if (byte === ETX) {
        out.push(checkRdm6300(Buffer.from(this.body).toString('latin1')));
        this.body = undefined;
        continue;
      }
      this.body.push(byte);
      if (this.body.length > RDM6300_BODY) {
        out.push({ ok: false, reason: `frame longer than ${RDM6300_BODY} characters` });
        this.body = undefined;
        this.skipping = true;
      }
    }
    // Count garbage per chunk too: a reader at the wrong baud rate sends no STX at all,
    // and its noise must still show in badFrames.
    this.flushGarbage(out);
    return out;
  }

  /** Report garbage still pending (e.g. when the port closes). */
  flush(): FrameResult[] {
    const out: FrameResult[] = [];
    this.flushGarbage(out);
    return out;
  }

  reset(): void {
    this.body = undefined;
    this.skipping = false;
    this.garbage = 0;
  }

  private flushGarbage(out: FrameResult[]): void {
    if (this.garbage > 0) out.push({ ok: false, reason: `${this.garbage} bytes outside a frame` });
    this.garbage = 0;
  }
}

/** Check one frame body (between STX and ETX). */
export function checkRdm6300(body: string): FrameResult {
  if (body.length !== RDM6300_BODY) {
    return { ok: false, reason: `frame has ${body.length} characters, expected ${RDM6300_BODY}` };
  }
  if (!/^[0-9A-Fa-f]{12}$/.test(body)) return { ok: false, reason: 'frame has non-hex characters' };
  const data = Buffer.from(body.slice(0, 10), 'hex');
  const expected = data.reduce((x, b) => x ^ b, 0);
  const given = Number.parseInt(body.slice(10), 16);
  if (given !== expected) {
    return {
      ok: false,
      reason: `checksum ${hex2(given)} does not match ${hex2(expected)}`,
    };
  }
  return { ok: true, badgeId: body.slice(0, 10).toUpperCase() };
}

/** Build a frame, for tests and the simulator. */
export function encodeRdm6300(badgeId: string, opts: { badChecksum?: boolean } = {}): Buffer {
  if (!/^[0-9A-Fa-f]{10}$/.test(badgeId))
    throw new RangeError(`an RDM6300 id is 10 hex characters, received ${badgeId}`);
  let sum = Buffer.from(badgeId, 'hex').reduce((x, b) => x ^ b, 0);
  if (opts.badChecksum) sum ^= 0xff;
  return Buffer.concat([
    Buffer.from([STX]),
    Buffer.from(badgeId.toUpperCase() + hex2(sum), 'latin1'),
    Buffer.from([ETX]),
  ]);
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** Longest line accepted in line mode; longer is noise (a wrong baud rate, say). */
export const MAX_LINE = 128;
const LINE_ID = /^[0-9A-Za-z_:-]{1,64}$/;

/**
 * Readers that print one id per line (many USB-serial and Wiegand bridges): CR, LF or
 * CRLF end a line; blank lines are skipped; anything but an id-like token is a bad frame.
 */
export class LineParser implements BadgeFrameParser {
  private line = '';
  private overlong = false;

  push(chunk: Buffer): FrameResult[] {
    const out: FrameResult[] = [];
    for (const ch of chunk.toString('latin1')) {
      if (ch === '\n' || ch === '\r') {
        if (this.overlong) out.push({ ok: false, reason: `line longer than ${MAX_LINE} characters` });
        else {
          const id = this.line.trim();
          if (id !== '')
            out.push(
              LINE_ID.test(id) ? { ok: true, badgeId: id } : { ok: false, reason: 'line is not an id' },
            );
        }
        this.line = '';
        this.overlong = false;
        continue;
      }
      if (this.overlong) continue;
      this.line += ch;
      if (this.line.length > MAX_LINE) {
        this.overlong = true;
        this.line = '';
      }
    }
    return out;
  }

  reset(): void {
    this.line = '';
    this.overlong = false;
  }
}

/**
 * Readers repeat a held card about every 100 ms. A repeat of the last id is dropped while
 * it keeps coming within `windowMs` of the previous read, so a card held for a minute is
 * one scan; another card, or the same one after a pause, is a new scan.
 */
export class RepeatFilter {
  private lastId: string | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(private windowMs: number) {}

  setWindowMs(ms: number): void {
    this.windowMs = ms;
  }

  accept(badgeId: string, at: number): boolean {
    const repeat = badgeId === this.lastId && at - this.lastAt < this.windowMs;
    this.lastId = badgeId;
    this.lastAt = at;
    return !repeat;
  }

  reset(): void {
    this.lastId = undefined;
    this.lastAt = Number.NEGATIVE_INFINITY;
  }
}
