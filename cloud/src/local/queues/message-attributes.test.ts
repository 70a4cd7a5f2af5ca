import { describe, expect, it } from 'vitest';
import { QueueValidationError } from './errors.js';
import {
  decodeAttributes,
  encodeAttributes,
  md5OfAttributes,
  parseMessageAttributes,
  selectWireAttributes,
} from './message-attributes.js';

const number = (value: string) => ({ DataType: 'Number', StringValue: value });

describe('Function: md5OfAttributes', () => {
  // Digests that moto's SQS tests pin as what SQS returns for these attributes.
  it.each([
    ['timestamp', '1493147359900', '235c5c510d26fb653d073faed50ae77c'],
    ['timestamp', '1493147359901', '994258b45346a2cc3f9cbb611aa7af30'],
    ['SOME_Valid.attribute-Name', '1493147359900', '36655e7e9d7c0e8479fa3f3f42247ae7'],
  ])('digests %s = Number %s as SQS does', (name, value, digest) => {
    // Act
    const md5 = md5OfAttributes(parseMessageAttributes({ [name]: number(value) }));
    // Assess
    expect(md5).toBe(digest);
  });

  it('digests by name, whatever order the attributes came in', () => {
    // Prepare
    const a = { b: { DataType: 'String', StringValue: 'x' }, a: number('1') };
    const b = { a: number('1'), b: { DataType: 'String', StringValue: 'x' } };
    // Act & Assess
    expect(md5OfAttributes(parseMessageAttributes(a))).toBe(md5OfAttributes(parseMessageAttributes(b)));
  });
});

describe('Function: parseMessageAttributes', () => {
  it('keeps the data type of attributes that are not plain String', () => {
    // Act
    const attrs = parseMessageAttributes({
      kind: { DataType: 'String', StringValue: 'door' },
      n: number('-1.5e3'),
      raw: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]).toString('base64') },
    });
    // Assess
    expect(attrs).toEqual({
      values: { kind: 'door', n: '-1.5e3', raw: 'AAEC' },
      types: { n: 'Number', raw: 'Binary' },
    });
  });

  it.each([
    [{ 'AWS.x': { DataType: 'String', StringValue: 'v' } }, /AWS\./],
    [{ 'a..b': { DataType: 'String', StringValue: 'v' } }, /a\.\.b/],
    [{ a: { DataType: 'Text', StringValue: 'v' } }, /invalid message attribute type/],
    [{ a: { DataType: 'Number', StringValue: 'ten' } }, /to a number/],
    [{ a: { DataType: 'String', StringValue: '' } }, /non-empty/],
    [{ a: { DataType: 'Binary', BinaryValue: 'not base64!' } }, /base64/],
    [Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, number('1')])), /\[11\]/],
  ])('refuses %j, naming what is wrong', (raw, message) => {
    // Act
    const attempt = () => parseMessageAttributes(raw);
    // Assess
    expect(attempt).toThrow(QueueValidationError);
    expect(attempt).toThrow(message);
  });
});

describe('Function: selectWireAttributes', () => {
  const attrs = parseMessageAttributes({
    'door.id': number('7'),
    'door.state': number('1'),
    other: number('2'),
  });

  it.each([
    [[], undefined],
    [['All'], ['door.id', 'door.state', 'other']],
    [['.*'], ['door.id', 'door.state', 'other']],
    [['door.*'], ['door.id', 'door.state']],
    [['other', 'missing'], ['other']],
  ])('answers %j with %j', (wanted, names) => {
    // Act
    const selected = selectWireAttributes(attrs, wanted);
    // Assess
    expect(selected && Object.keys(selected)).toEqual(names);
  });
});

describe('Function: encodeAttributes', () => {
  it('round-trips types, and reads a map of plain strings (rows from before types were kept)', () => {
    // Prepare
    const attrs = parseMessageAttributes({
      kind: { DataType: 'String', StringValue: 'door' },
      n: number('5'),
    });
    // Act
    const stored = JSON.parse(JSON.stringify(encodeAttributes(attrs.values, attrs.types)));
    // Assess
    expect(decodeAttributes(stored)).toEqual(attrs);
    expect(decodeAttributes({ a: '1' })).toEqual({ values: { a: '1' } });
  });
});
