import { describe, expect, it } from 'vitest';
import { inRange, ipToHex, mayBeIp, parseCidr } from './ip.js';

describe('Function: ipToHex', () => {
  it.each([
    ['10.0.0.1', '0a000001'],
    ['255.255.255.255', 'ffffffff'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:DB8::', '20010db8000000000000000000000000'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ])('reads %s as %s', (text, hex) => {
    // Act
    const got = ipToHex(text);

    // Assess
    expect(got).toBe(hex);
  });

  it.each([
    'x',
    '10.0.0',
    '10.0.0.256',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4::5:6:7:8',
    '12345::',
    '::ffff:10.0.0.300',
    `${'1'.repeat(50)}`,
  ])('returns undefined for %s', (text) => {
    // Act
    const got = ipToHex(text);

    // Assess
    expect(got).toBeUndefined();
  });
});

describe('Function: mayBeIp', () => {
  it('lets through what could start an address and stops the rest', () => {
    // Assess
    expect(mayBeIp('10.0.0.1')).toBe(true);
    expect(mayBeIp('::1')).toBe(true);
    expect(mayBeIp('Fe80::')).toBe(true);
    expect(mayBeIp('hello')).toBe(false);
    expect(mayBeIp('1')).toBe(false);
  });
});

describe('Function: parseCidr', () => {
  it('masks the host bits of the address', () => {
    // Act
    const range = parseCidr('220.160.154.255/24');

    // Assess
    expect(range).toEqual({ lo: 'dca09a00', hi: 'dca09aff' });
  });

  it('covers everything with /0 and one address with /32', () => {
    // Act
    const all = parseCidr('1.2.3.4/0');
    const one = parseCidr('1.2.3.4/32');

    // Assess
    expect(all).toEqual({ lo: '00000000', hi: 'ffffffff' });
    expect(one).toEqual({ lo: '01020304', hi: '01020304' });
  });

  it('never puts an IPv4 address inside an IPv6 block', () => {
    // Prepare
    const range = parseCidr('::/0');

    // Act
    const got = typeof range === 'string' ? range : inRange('0a000001', range);

    // Assess
    expect(got).toBe(false);
  });
});
