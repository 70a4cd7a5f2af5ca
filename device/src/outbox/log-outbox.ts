import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { DeviceEventType } from '@smartdoor/shared';
import { OutboxCorruptError, OutboxError } from '../core/errors.js';
import { BaseOutbox } from './base-outbox.js';
import type { OutboxEntry, OutboxOptions, OutboxWrite, RecoveredOutbox } from './types.js';

/**
 * The outbox as an append-only log file: one line per record, `crc32 json\n`. An append
 * (event + evictions + next seq) is one line written and fdatasync'd before `append`
 * returns; a removal is a line written without a sync (a lost removal only resends an
 * event under the same idempotency key). A line torn by a power cut fails its CRC or
 * lacks its newline: recovery drops it, as it was never acknowledged. When removed
 * records outnumber live ones, the log is compacted into a new file (write, fsync,
 * rename, fsync the folder). Live entries are kept in memory (bounded by maxEvents).
 */
type LogRecord =
  | { a: [number, string, DeviceEventType, number, string]; n: number; e?: number[] }
  | { d: number }
  | { n: number };

const COMPACT_MIN_DEAD = 1_000;

export class LogOutbox extends BaseOutbox {
  #fd: number | undefined;
  #entries = new Map<number, OutboxEntry>();
  #nextSeq = 1;
  #dead = 0;

  constructor(
    readonly path: string,
    options: OutboxOptions = {},
  ) {
    super(path, options);
  }

  protected async _open(): Promise<RecoveredOutbox> {
    mkdirSync(dirname(this.path), { recursive: true });
    const log = readLog(this.path);
    this.#entries = log.entries;
    this.#nextSeq = log.nextSeq;
    this.#dead = log.dead;
    try {
      this.#fd = openSync(this.path, 'a');
      if (log.validBytes < log.totalBytes) {
        ftruncateSync(this.#fd, log.validBytes);
        fsyncSync(this.#fd);
      }
    } catch (cause) {
      throw new OutboxError('cannot open the outbox log', this.path, { cause });
    }
    const entries = [...this.#entries.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((e) => ({ seq: e.seq, type: e.type, createdAt: e.createdAt }));
    return { entries, nextSeq: this.#nextSeq };
  }

  protected async _close(): Promise<void> {
    if (this.#fd !== undefined) {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
    }
    this.#fd = undefined;
    this.#entries.clear();
  }

  protected _write(write: OutboxWrite): void {
    const e = write.insert;
    const record: LogRecord = {
      a: [e.seq, e.idempotencyKey, e.type, e.createdAt, e.payload],
      n: write.nextSeq,
    };
    if (write.evict.length > 0) record.e = write.evict;
    writeSync(this.#fd!, encodeLine(record));
    fdatasyncSync(this.#fd!);
    this.#apply(record);
  }

  protected _remove(seq: number): void {
    writeSync(this.#fd!, encodeLine({ d: seq }));
    this.#apply({ d: seq });
    if (this.#dead > COMPACT_MIN_DEAD && this.#dead > this.#entries.size) this.#compact();
  }

  protected _read(afterSeq: number, limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const [seq, entry] of this.#entries) {
      if (seq <= afterSeq) continue;
      out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }

  #apply(record: LogRecord): void {
    const state = { entries: this.#entries, nextSeq: this.#nextSeq, dead: this.#dead };
    applyRecord(state, record);
    this.#nextSeq = state.nextSeq;
    this.#dead = state.dead;
  }

  /** Rewrite the log with only live entries; the rename makes the switch atomic. */
  #compact(): void {
    const tmp = `${this.path}.compact`;
    const lines = [encodeLine({ n: this.#nextSeq })];
    for (const e of this.#entries.values()) {
      lines.push(
        encodeLine({ a: [e.seq, e.idempotencyKey, e.type, e.createdAt, e.payload], n: this.#nextSeq }),
      );
    }
    const fd = openSync(tmp, 'w');
    writeSync(fd, lines.join(''));
    fsyncSync(fd);
    closeSync(fd);
    fsyncSync(this.#fd!);
    closeSync(this.#fd!);
    renameSync(tmp, this.path);
    const dirFd = openSync(dirname(this.path), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
    this.#fd = openSync(this.path, 'a');
    this.#dead = 0;
  }
}

export interface LogContents {
  entries: Map<number, OutboxEntry>;
  nextSeq: number;
  /** Records of removed entries still in the file. */
  dead: number;
  /** Bytes up to the end of the last whole record. */
  validBytes: number;
  totalBytes: number;
}

/**
 * Read an outbox log without changing it (also used by `smartdoor-agent status` while
 * the agent runs). A torn tail is left out; damage before the tail throws.
 */
export function readLog(path: string): LogContents {
  const state = { entries: new Map<number, OutboxEntry>(), nextSeq: 1, dead: 0 };
  if (!existsSync(path)) return { ...state, validBytes: 0, totalBytes: 0 };
  const buf = readFileSync(path);
  let start = 0;
  let lineNo = 0;
  let validBytes = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(10, start);
    lineNo++;
    const record = nl === -1 ? undefined : decodeLine(buf.subarray(start, nl));
    if (record === undefined) {
      // A torn tail is expected after a power cut; damage before the tail is not.
      if (nl !== -1 && buf.indexOf(10, nl + 1) !== -1) {
        throw new OutboxCorruptError(`record ${lineNo} fails its checksum`, path);
      }
      break;
    }
    applyRecord(state, record);
    start = nl + 1;
    validBytes = start;
  }
  return { ...state, validBytes, totalBytes: buf.length };
}

function applyRecord(
  state: { entries: Map<number, OutboxEntry>; nextSeq: number; dead: number },
  record: LogRecord,
) {
  if ('a' in record) {
    for (const seq of record.e ?? []) {
      if (state.entries.delete(seq)) state.dead++;
    }
    const [seq, idempotencyKey, type, createdAt, payload] = record.a;
    state.entries.set(seq, { seq, idempotencyKey, type, createdAt, payload });
    state.nextSeq = Math.max(state.nextSeq, record.n);
  } else if ('d' in record) {
    if (state.entries.delete(record.d)) state.dead++;
  } else {
    state.nextSeq = Math.max(state.nextSeq, record.n);
  }
}

function encodeLine(record: LogRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(Buffer.from(json, 'utf8')).toString(16).padStart(8, '0')} ${json}\n`;
}

function decodeLine(line: Buffer): LogRecord | undefined {
  if (line.length < 10 || line[8] !== 32) return undefined;
  const body = line.subarray(9);
  if (Number.parseInt(line.subarray(0, 8).toString('latin1'), 16) !== crc32(body)) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as LogRecord;
  } catch {
    return undefined;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), as zlib computes it; zlib.crc32 needs Node 20.15+, the Pi may be older. */
export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
