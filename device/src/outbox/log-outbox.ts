import {
  closeSync,
  constants,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { DeviceEventType } from '@smartdoor/shared';
import { OutboxCorruptError, OutboxError } from '../core/errors.js';
import { BaseOutbox } from './base-outbox.js';
import type { OutboxEntry, OutboxOptions, OutboxWrite, RecoveredOutbox } from './types.js';

/**
 * The outbox as an append-only log file: one line per record, `crc32 json\n`. An append
 * (event + evictions + next seq) is one line, written and fdatasync'd before `append`
 * returns; a removal is a line written without a sync (a lost removal only resends an
 * event under the same key; the next append's sync makes it durable). A line torn by a
 * power cut fails its CRC or lacks its newline: recovery drops it, as it was never
 * acknowledged. When removed records outnumber live ones, the log is compacted into a
 * new file (write, fsync, rename, fsync the folder). Memory holds only an index (seq,
 * type, time, offset): payloads are read back from the file when they are sent.
 */
type LogRecord =
  | { a: [number, string, DeviceEventType, number, string]; n: number; e?: number[] }
  | { d: number }
  | { n: number };

/** Where a live entry's record sits in the file. */
export interface LogIndexEntry {
  seq: number;
  type: DeviceEventType;
  createdAt: number;
  offset: number;
  length: number;
}

const COMPACT_MIN_DEAD = 1_000;

/**
 * @internal The file writes and the append's sync, replaceable so that tests can simulate
 * a full disk (a short write, ENOSPC) without mounting a small file system, and see that
 * an append is synced before it returns.
 */
export const logOutboxFs: {
  writeSync: (fd: number, buf: Buffer, offset?: number, length?: number) => number;
  fdatasyncSync: (fd: number) => void;
} = {
  writeSync,
  fdatasyncSync,
};

/**
 * Write all of `bytes` (a full disk writes part of a buffer and reports how much), or throw.
 * One call in the normal case: the loop only runs after a short write.
 */
function writeAll(fd: number, bytes: Buffer): void {
  let done = logOutboxFs.writeSync(fd, bytes);
  while (done < bytes.length) {
    const n = logOutboxFs.writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw new Error(`write made no progress (${done} of ${bytes.length} bytes)`);
    done += n;
  }
}

export class LogOutbox extends BaseOutbox {
  #fd: number | undefined;
  #index = new Map<number, LogIndexEntry>();
  #nextSeq = 1;
  #dead = 0;
  #size = 0;
  /** No compaction before this many dead records (raised after a failed one, not to retry on every ack). */
  #compactAt = COMPACT_MIN_DEAD;
  /** Set when a failed write could not be undone: the file's tail is unknown, so nothing more is written. */
  #broken: Error | undefined;
  readonly #logger: OutboxOptions['logger'];

  constructor(
    readonly path: string,
    options: OutboxOptions = {},
  ) {
    super(path, options);
    this.#logger = options.logger;
  }

  get file(): string {
    return this.path;
  }

  protected async _open(): Promise<RecoveredOutbox> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    refuseSymlink(this.path);
    const log = readLog(this.path);
    this.#index = log.entries;
    this.#nextSeq = log.nextSeq;
    this.#dead = log.dead;
    this.#size = log.validBytes;
    this.#broken = undefined;
    this.#compactAt = COMPACT_MIN_DEAD;
    try {
      this.#fd = openLog(this.path);
      if (log.validBytes < log.totalBytes) {
        ftruncateSync(this.#fd, log.validBytes);
        fsyncSync(this.#fd);
      }
    } catch (cause) {
      throw new OutboxError('cannot open the outbox log', this.path, { cause });
    }
    const entries = [...this.#index.values()].map((e) => ({
      seq: e.seq,
      type: e.type,
      createdAt: e.createdAt,
    }));
    return { entries, nextSeq: this.#nextSeq };
  }

  protected async _close(): Promise<void> {
    if (this.#fd !== undefined) {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
    }
    this.#fd = undefined;
    this.#index = new Map();
  }

  protected _write(write: OutboxWrite): void {
    const e = write.insert;
    const record: LogRecord = {
      a: [e.seq, e.idempotencyKey, e.type, e.createdAt, e.payload],
      n: write.nextSeq,
    };
    if (write.evict.length > 0) record.e = write.evict;
    const offset = this.#size;
    // A record not synced is refused: drop it from the file too, so a refused event never comes back.
    const length = this.#append(encodeLine(record), true);
    for (const seq of write.evict) if (this.#index.delete(seq)) this.#dead++;
    this.#index.set(e.seq, { seq: e.seq, type: e.type, createdAt: e.createdAt, offset, length });
    this.#nextSeq = write.nextSeq;
  }

  protected _remove(seq: number): void {
    try {
      this.#append(encodeLine({ d: seq }));
    } finally {
      // Forgotten even if its record was not written: like a removal lost in a crash, the
      // event is at worst sent again after a restart, under the same key.
      if (this.#index.delete(seq)) this.#dead++;
    }
    if (this.#dead > this.#compactAt && this.#dead > this.#index.size) this.#compact();
  }

  protected _read(afterSeq: number, limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    // The index is in seq order (appends only add larger seqs).
    for (const [seq, at] of this.#index) {
      if (seq <= afterSeq) continue;
      out.push(this.#load(at));
      if (out.length >= limit) break;
    }
    return out;
  }

  #load(at: LogIndexEntry): OutboxEntry {
    const buf = Buffer.alloc(at.length - 1);
    readSync(this.#fd!, buf, 0, buf.length, at.offset);
    const record = decodeLine(buf);
    if (!record || !('a' in record) || record.a[0] !== at.seq) {
      throw new OutboxCorruptError(
        `record of seq ${at.seq} at byte ${at.offset} cannot be read back`,
        this.path,
      );
    }
    const [seq, idempotencyKey, type, createdAt, payload] = record.a;
    return { seq, idempotencyKey, type, createdAt, payload };
  }

  /**
   * Append one record (and fdatasync it when `sync`). On any failure the file is cut back to its
   * last whole record before the error is rethrown: a partial record left in place would
   * make every later record unreadable (OutboxCorruptError at the next start).
   */
  #append(line: string, sync = false): number {
    if (this.#broken) {
      throw new OutboxError('a failed write could not be undone; restart the agent', this.path, {
        cause: this.#broken,
      });
    }
    const bytes = Buffer.from(line, 'utf8');
    try {
      writeAll(this.#fd!, bytes);
      if (sync) logOutboxFs.fdatasyncSync(this.#fd!);
    } catch (error) {
      try {
        ftruncateSync(this.#fd!, this.#size);
      } catch (cause) {
        // Restart recovers: what follows the last whole record is a torn tail, dropped.
        this.#broken = cause as Error;
      }
      throw error;
    }
    this.#size += bytes.length;
    return bytes.length;
  }

  /**
   * Rewrite the log with only live entries; the rename makes the switch atomic. The new
   * file replaces the log only once all of it is written and synced: on a full disk a
   * short file renamed over the log would lose accepted events. Any failure before the
   * rename keeps the old log (still correct, only longer) and removes the new file.
   */
  #compact(): void {
    const live = [...this.#index.values()].map((at) => this.#load(at));
    const tmp = `${this.path}.compact`;
    const chunks: Buffer[] = [Buffer.from(encodeLine({ n: this.#nextSeq }))];
    const index = new Map<number, LogIndexEntry>();
    let offset = chunks[0]!.length;
    for (const e of live) {
      const line = Buffer.from(
        encodeLine({ a: [e.seq, e.idempotencyKey, e.type, e.createdAt, e.payload], n: this.#nextSeq }),
      );
      index.set(e.seq, { seq: e.seq, type: e.type, createdAt: e.createdAt, offset, length: line.length });
      offset += line.length;
      chunks.push(line);
    }
    let fd: number | undefined;
    try {
      // A stale or planted file at the temp name goes first: the new file is created fresh.
      rmSync(tmp, { force: true });
      fd = openSync(tmp, CREATE_NEW, 0o600);
      writeAll(fd, Buffer.concat(chunks));
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, this.path);
    } catch (err) {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {}
      }
      rmSync(tmp, { force: true });
      // Not before as many removals again: each attempt rewrites every live event.
      this.#compactAt = this.#dead + COMPACT_MIN_DEAD;
      this.#logger?.warn(
        { err, path: this.path, live: index.size, dead: this.#dead },
        'outbox compaction failed; keeping the uncompacted log',
      );
      return;
    }
    // The old fd now points at the replaced file: switch to the new one.
    let next: number;
    try {
      next = openLog(this.path);
    } catch (err) {
      // Appends through the old fd would land in the replaced file; a restart reads the new one.
      this.#broken = err as Error;
      throw err;
    }
    closeSync(this.#fd!);
    this.#fd = next;
    this.#index = index;
    this.#size = offset;
    this.#dead = 0;
    this.#compactAt = COMPACT_MIN_DEAD;
    try {
      const dirFd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    } catch (err) {
      // Not fatal: until the folder is synced a power cut may bring back the old log, which
      // holds the same live events.
      this.#logger?.warn({ err, path: this.path }, 'cannot sync the outbox folder after compaction');
    }
  }
}

export interface LogContents {
  /** Live entries' index, in seq order. */
  entries: Map<number, LogIndexEntry>;
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
/**
 * a+ (appends go to the end, positional reads fetch payloads back), 0600, and never
 * through a symlink: one at outbox.log would have the agent append to, and cut the "torn
 * tail" of, whatever file it points at.
 */
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
/** A new file only, never an existing one or a link's target. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function openLog(path: string): number {
  try {
    return openSync(path, APPEND_FLAGS, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') refuseSymlink(path);
    throw err;
  }
}

/** Stop with a clear error when the log's path is a symlink (before it is read or opened). */
function refuseSymlink(path: string): void {
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    // Missing: the open creates it.
  }
  if (link) throw new OutboxError(`${path} is a symbolic link; refusing to follow it`, path);
}

export function readLog(path: string): LogContents {
  const entries = new Map<number, LogIndexEntry>();
  let nextSeq = 1;
  let dead = 0;
  if (!existsSync(path)) return { entries, nextSeq, dead, validBytes: 0, totalBytes: 0 };
  const buf = readFileSync(path);
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(10, start);
    lineNo++;
    const decoded = nl === -1 ? undefined : decodeLine(buf.subarray(start, nl));
    if (decoded === undefined) {
      // A torn tail is expected after a power cut; damage before the tail is not.
      if (nl !== -1 && buf.indexOf(10, nl + 1) !== -1) {
        throw new OutboxCorruptError(`record ${lineNo} fails its checksum`, path);
      }
      break;
    }
    const applied = indexRecord(entries, decoded, start, nl + 1 - start);
    dead += applied.dead;
    nextSeq = Math.max(nextSeq, applied.nextSeq);
    start = nl + 1;
  }
  return { entries, nextSeq, dead, validBytes: start, totalBytes: buf.length };
}

/** Apply one record to the index; returns removals counted and the seq it names. */
function indexRecord(
  entries: Map<number, LogIndexEntry>,
  record: LogRecord,
  offset: number,
  length: number,
): { dead: number; nextSeq: number } {
  let dead = 0;
  if ('a' in record) {
    for (const seq of record.e ?? []) if (entries.delete(seq)) dead++;
    const [seq, , type, createdAt] = record.a;
    entries.set(seq, { seq, type, createdAt, offset, length });
    return { dead, nextSeq: record.n };
  }
  if ('d' in record) return { dead: entries.delete(record.d) ? 1 : 0, nextSeq: 1 };
  return { dead, nextSeq: record.n };
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
