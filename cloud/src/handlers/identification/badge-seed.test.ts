import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { badgeRefOf, loadBadgeSeedFile, parseBadgeSeed } from './badge-seed.js';
import { BadgeSeedError } from './errors.js';

const SECRET_HEX = '00112233445566778899aabbccddeeff';
const SECRET = Buffer.from(SECRET_HEX, 'hex');

describe('Function: parseBadgeSeed', () => {
  it('computes references from raw badge ids with the JSON seed secret', () => {
    // Prepare
    const json = JSON.stringify({
      badgeSecret: `hex:${SECRET_HEX}`,
      badges: [
        { badgeId: '0004123456', personId: 'alice', doors: ['door-1'], hours: ['mon-fri 08:00-18:00'] },
        { badgeRef: 'b'.repeat(64), personId: 'bob' },
      ],
    });
    // Act
    const entries = parseBadgeSeed(json, { source: 'seed.json', format: 'json' });
    // Assess
    expect(entries[0]).toMatchObject({
      badgeRef: badgeRefOf('0004123456', SECRET),
      personId: 'alice',
      doors: ['door-1'],
      timezone: 'UTC',
    });
    expect(entries[0]!.hours).toHaveLength(1);
    expect(entries[1]).toMatchObject({ badgeRef: 'b'.repeat(64), doors: ['*'], hours: [] });
  });

  it('reads CSV with a header, quoted cells, | lists and comments', () => {
    // Prepare
    const csv = [
      '# staff',
      'badgeId,badgeRef,personId,doors,hours,timezone',
      '0004123456,,"Smith, Alice",door-1|door-2,mon-fri 08:00-18:00|sat 09:00-12:00,Europe/Paris',
      `,${'c'.repeat(64)},carol,*,,`,
    ].join('\n');
    // Act
    const entries = parseBadgeSeed(csv, { source: 'seed.csv', format: 'csv', secret: `hex:${SECRET_HEX}` });
    // Assess
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      personId: 'Smith, Alice',
      doors: ['door-1', 'door-2'],
      timezone: 'Europe/Paris',
    });
    expect(entries[0]!.hours).toHaveLength(2);
    expect(entries[1]).toMatchObject({ badgeRef: 'c'.repeat(64), doors: ['*'] });
  });

  it('lists every problem at once, naming the entry and field', () => {
    // Prepare
    const json = JSON.stringify({
      badges: [
        { badgeId: 'x', personId: 'a' },
        { badgeRef: 'nothex', personId: '' },
        { badgeRef: 'd'.repeat(64), personId: 'd', hours: ['9-5'], timezone: 'Mars/Olympus' },
        { badgeRef: 'd'.repeat(64), personId: 'e' },
      ],
    });
    // Act
    let error: BadgeSeedError | undefined;
    try {
      parseBadgeSeed(json, { source: 'seed.json', format: 'json' });
    } catch (err) {
      error = err as BadgeSeedError;
    }
    // Assess
    expect(error).toBeInstanceOf(BadgeSeedError);
    expect(error!.problems).toEqual([
      expect.stringMatching(/^badges\[0\]\.badgeId: a raw badge id needs the badge secret/),
      'badges[1].badgeRef: expected 64 lowercase hex characters',
      'badges[1].personId: expected a non-empty string',
      expect.stringMatching(/^badges\[2\]\.hours "9-5"/),
      'badges[2].timezone: unknown time zone "Mars/Olympus"',
    ]);
  });

  it('takes a 10-hex-digit (RDM6300) badge id in upper case, as the reader sends it', () => {
    // Prepare
    const json = JSON.stringify({
      badgeSecret: `hex:${SECRET_HEX}`,
      badges: [
        { badgeId: '0a00001000', personId: 'alice' },
        { badgeId: 'wiegand-7f', personId: 'bob' },
      ],
    });
    // Act
    const entries = parseBadgeSeed(json, { source: 'seed.json', format: 'json' });
    // Assess: other ids (line readers) are hashed as written.
    expect(entries.map((e) => e.badgeRef)).toEqual([
      badgeRefOf('0A00001000', SECRET),
      badgeRefOf('wiegand-7f', SECRET),
    ]);
    expect(() =>
      parseBadgeSeed(
        JSON.stringify({
          badgeSecret: `hex:${SECRET_HEX}`,
          badges: [
            { badgeId: '0A00001000', personId: 'a' },
            { badgeId: '0a00001000', personId: 'b' },
          ],
        }),
        { source: 'seed.json', format: 'json' },
      ),
    ).toThrow(/badges\[1\]: the same badge as badges\[0\]/);
  });

  it('refuses a badge secret that is not valid in its encoding', () => {
    // Prepare
    const json = JSON.stringify({ badgeSecret: 'hex:zz', badges: [{ badgeId: '1', personId: 'a' }] });
    // Act / Assess
    expect(() => parseBadgeSeed(json, { source: 'seed.json', format: 'json' })).toThrow(
      /badge secret: not valid hex/,
    );
  });

  it('refuses a duplicate badge and a CSV without a usable header', () => {
    // Prepare
    const dup = `personId,badgeRef\na,${'e'.repeat(64)}\nb,${'e'.repeat(64)}`;
    // Act / Assess
    expect(() => parseBadgeSeed(dup, { source: 's.csv', format: 'csv' })).toThrow(
      /line 3: the same badge as line 2/,
    );
    expect(() => parseBadgeSeed('who,what\n1,2', { source: 's.csv', format: 'csv' })).toThrow(
      /header must name personId/,
    );
    expect(() => parseBadgeSeed('{', { source: 's.json', format: 'json' })).toThrow(/not valid JSON/);
  });
});

describe('Function: loadBadgeSeedFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seed-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the secret from SMARTDOOR_BADGE_SECRET for a CSV seed', async () => {
    // Prepare
    const path = join(dir, 'badges.csv');
    writeFileSync(path, 'badgeId,personId\n0004123456,alice\n');
    // Act
    const entries = await loadBadgeSeedFile(path, { SMARTDOOR_BADGE_SECRET: `hex:${SECRET_HEX}` });
    // Assess
    expect(entries[0]!.badgeRef).toBe(badgeRefOf('0004123456', SECRET));
  });

  it('reads SMARTDOOR_BADGE_SECRET as the agent does: as written, surrounding spaces included', async () => {
    // Prepare
    const path = join(dir, 'badges.csv');
    writeFileSync(path, 'badgeId,personId\n0A00001000,alice\n');
    const text = ' correct horse battery staple ';
    // Act
    const entries = await loadBadgeSeedFile(path, { SMARTDOOR_BADGE_SECRET: text });
    // Assess
    expect(entries[0]!.badgeRef).toBe(badgeRefOf('0A00001000', Buffer.from(text, 'utf8')));
  });

  it('names the file when it is missing or of an unknown kind', async () => {
    // Prepare / Act / Assess
    await expect(loadBadgeSeedFile(join(dir, 'nope.json'), {})).rejects.toThrow(/nope\.json: cannot be read/);
    await expect(loadBadgeSeedFile(join(dir, 'badges.txt'), {})).rejects.toThrow(
      /name the file \.json or \.csv/,
    );
  });
});
