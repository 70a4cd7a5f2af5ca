import { describe, expect, it } from 'vitest';
import {
  checkRdm6300,
  encodeRdm6300,
  LineParser,
  MAX_LINE,
  Rdm6300Parser,
  RepeatFilter,
} from './badge-frames.js';

const STX = '\x02';
const ETX = '\x03';

describe('Class: Rdm6300Parser', () => {
  describe('Method: push', () => {
    it('reads a good frame, whole or split across chunks', () => {
      // Prepare: 0x62 ^ 0xE3 ^ 0x08 ^ 0x6C ^ 0xED = 0x08
      const parser = new Rdm6300Parser();
      const frame = Buffer.from(`${STX}62E3086CED08${ETX}`, 'latin1');
      // Act
      const whole = parser.push(frame);
      const first = parser.push(frame.subarray(0, 5));
      const second = parser.push(frame.subarray(5));
      // Assess
      expect(whole).toEqual([{ ok: true, badgeId: '62E3086CED' }]);
      expect(first).toEqual([]);
      expect(second).toEqual([{ ok: true, badgeId: '62E3086CED' }]);
    });

    it('drops a frame whose checksum does not match', () => {
      // Prepare
      const parser = new Rdm6300Parser();
      // Act
      const results = parser.push(encodeRdm6300('0102030405', { badChecksum: true }));
      // Assess
      expect(results).toEqual([{ ok: false, reason: 'checksum FE does not match 01' }]);
    });

    it('counts a run of garbage once per chunk, even when no frame follows', () => {
      // Prepare
      const parser = new Rdm6300Parser();
      // Act
      const a = parser.push(Buffer.from('noise\xff\x00', 'latin1'));
      const b = parser.push(
        Buffer.concat([Buffer.from('more'), encodeRdm6300('0102030405'), Buffer.from('\r\n')]),
      );
      // Assess
      expect(a).toEqual([{ ok: false, reason: '7 bytes outside a frame' }]);
      expect(b).toEqual([
        { ok: false, reason: '4 bytes outside a frame' },
        { ok: true, badgeId: '0102030405' },
      ]);
      expect(parser.flush()).toEqual([]);
    });

    it('drops short, long, non-hex and cut-short frames and recovers', () => {
      // Prepare
      const parser = new Rdm6300Parser();
      const input = `${STX}0102${ETX}${STX}0102030405010203${ETX}${STX}ZZ0203040501${ETX}${STX}0102${STX}`;
      // Act
      const results = parser.push(
        Buffer.concat([Buffer.from(input, 'latin1'), encodeRdm6300('0102030405').subarray(1)]),
      );
      // Assess
      expect(results.map((r) => (r.ok ? r.badgeId : r.reason))).toEqual([
        'frame has 4 characters, expected 12',
        'frame longer than 12 characters',
        'frame has non-hex characters',
        'frame cut short after 4 characters',
        '0102030405',
      ]);
    });
  });

  it('checks and encodes the same frames', () => {
    // Prepare + Act + Assess
    expect(checkRdm6300('0102030405' + '01')).toEqual({ ok: true, badgeId: '0102030405' });
    expect(() => encodeRdm6300('xyz')).toThrow(RangeError);
  });
});

describe('Class: LineParser', () => {
  describe('Method: push', () => {
    it('reads one id per line with any line ending and skips blank lines', () => {
      // Prepare
      const parser = new LineParser();
      // Act
      const results = parser.push(Buffer.from('0012345678\r\n\nABCDEF\rlast'));
      const rest = parser.push(Buffer.from('-one\n'));
      // Assess
      expect(results).toEqual([
        { ok: true, badgeId: '0012345678' },
        { ok: true, badgeId: 'ABCDEF' },
      ]);
      expect(rest).toEqual([{ ok: true, badgeId: 'last-one' }]);
    });

    it('drops lines that are not ids, and overlong lines as one', () => {
      // Prepare
      const parser = new LineParser();
      // Act
      const results = parser.push(Buffer.from(`hello world\n${'x'.repeat(MAX_LINE * 3)}\nok\n`));
      // Assess
      expect(results.map((r) => (r.ok ? r.badgeId : r.reason))).toEqual([
        'line is not an id',
        `line longer than ${MAX_LINE} characters`,
        'ok',
      ]);
    });
  });
});

describe('Class: RepeatFilter', () => {
  describe('Method: accept', () => {
    it('drops a held card repeating every 100 ms, however long it is held', () => {
      // Prepare
      const filter = new RepeatFilter(1_500);
      // Act
      const accepted = Array.from({ length: 50 }, (_, i) => filter.accept('A', i * 100));
      // Assess
      expect(accepted.filter(Boolean)).toHaveLength(1);
    });

    it('accepts the same card after a pause of the window, and another card at once', () => {
      // Prepare
      const filter = new RepeatFilter(1_500);
      // Act
      const results = [
        filter.accept('A', 0),
        filter.accept('B', 10),
        filter.accept('A', 20),
        filter.accept('A', 1_520),
      ];
      filter.setWindowMs(100);
      results.push(filter.accept('A', 1_620));
      // Assess
      expect(results).toEqual([true, true, true, true, true]);
    });
  });
});
