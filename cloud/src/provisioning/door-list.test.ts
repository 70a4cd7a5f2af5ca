import { describe, expect, it } from 'vitest';
import { parseCsv, parseDoorList } from './door-list.js';
import { DoorListError } from './errors.js';

describe('Function: parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    // Prepare
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\nlines"\nlast,,\n';

    // Act
    const records = parseCsv(text);

    // Assess
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 4, fields: ['last', '', ''] },
    ]);
  });

  it('skips blank lines and a byte-order mark, and reads a last line without a newline', () => {
    // Act
    const records = parseCsv('\uFEFFa,b\n\n1,2');

    // Assess
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  it('refuses a quoted field that is never closed, naming its row', () => {
    // Act
    const act = () => parseCsv('a,b\n1,"open\n');

    // Assess
    expect(act).toThrow(DoorListError);
    expect(act).toThrow(/row 2: a quoted field is never closed/);
  });
});

describe('Function: parseDoorList', () => {
  it('turns rows into thing names and attributes, location included', () => {
    // Act
    const doors = parseDoorList('thingName,location,entrance\ndoor-1,"building-A/floor-2",\n');

    // Assess
    expect(doors).toEqual([{ row: 2, thingName: 'door-1', attributes: { location: 'building-A/floor-2' } }]);
  });

  it('accepts thing_name as the name column', () => {
    // Act
    const doors = parseDoorList('location,thing_name\nlobby,door-9\n');

    // Assess
    expect(doors[0]).toMatchObject({ thingName: 'door-9', attributes: { location: 'lobby' } });
  });

  it('lists every bad row at once: bad name, duplicate, field count, bad attribute', () => {
    // Prepare
    const text = [
      'thingName,location',
      'door-1,a',
      'door 2,b',
      'door-1,c',
      'door-3',
      'door-4,has space',
    ].join('\n');

    // Act
    let error: DoorListError | undefined;
    try {
      parseDoorList(text, 'doors.csv');
    } catch (e) {
      error = e as DoorListError;
    }

    // Assess
    expect(error).toBeInstanceOf(DoorListError);
    expect(error!.problems.map((p) => p.row)).toEqual([3, 4, 5, 6]);
    expect(error!.message).toContain('doors.csv: row 3: "door 2" is not a valid thing name');
    expect(error!.message).toContain('row 4: thing door-1 is a duplicate of row 2');
    expect(error!.message).toContain('row 5: has 1 fields, the header has 2');
    expect(error!.message).toContain('row 6: location "has space" has characters');
  });

  it('refuses a thing name in the claim client id space, whose presence is never a door', () => {
    // Act
    const act = () => parseDoorList('thingName,location\nclaim-SN1,lobby\n');

    // Assess
    expect(act).toThrow(/row 2: "claim-SN1" starts with "claim-"/);
  });

  it('refuses a header without a thing name column', () => {
    // Act
    const act = () => parseDoorList('serial,location\n1,a\n');

    // Assess
    expect(act).toThrow(/row 1: the header row needs a thingName column/);
  });

  it('refuses an empty file', () => {
    // Act
    const act = () => parseDoorList('');

    // Assess
    expect(act).toThrow(/the file is empty/);
  });
});
