import { describe, expect, it } from 'vitest';
import { hostAllowed, isLoopbackHost } from './loopback.js';

describe('Function: hostAllowed', () => {
  it.each([
    ['127.0.0.1:4566', true],
    ['localhost:8080', true],
    ['LOCALHOST', true],
    ['app.localhost:8080', true],
    ['[::1]:4566', true],
    ['127.0.1.1', true],
    [undefined, true],
    ['attacker.example:4566', false],
    ['127.0.0.1.attacker.example', false],
    ['192.168.1.20:4566', false],
    ['[::ffff:7f00:1]:4566', false],
  ])('on a loopback server, answers Host %s: %s', (host, allowed) => {
    // Act / Assess
    expect(hostAllowed(host, '127.0.0.1')).toBe(allowed);
  });

  it('answers any name on a server opened to the network on purpose', () => {
    // Act / Assess
    expect(hostAllowed('attacker.example', '0.0.0.0')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });
});
