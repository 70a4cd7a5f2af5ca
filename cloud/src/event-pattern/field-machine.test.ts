import { describe, expect, it } from 'vitest';
import { FieldMachine, type Sink } from './field-machine.js';
import type { ValueMatcher } from './model.js';
import { parseWildcard } from './wildcard.js';

const collect = (machine: FieldMachine<string>, v: unknown): string[] => {
  const sink: Sink<string> = { items: [], n: 0 };
  machine.collect(v, sink);
  return sink.items.slice(0, sink.n).sort();
};

const range = (lo: number, hi: number, loOpen = false, hiOpen = false): ValueMatcher => ({
  kind: 'numeric',
  lo,
  loOpen,
  hi,
  hiOpen,
});

describe('Class: FieldMachine', () => {
  describe('Method: collect', () => {
    it('finds two-sided ranges through the stabbing table, bounds included or not', () => {
      // Prepare
      const machine = new FieldMachine<string>();
      machine.add(range(0, 10), 'closed');
      machine.add(range(0, 10, true, true), 'open');
      machine.add(range(5, 20), 'upper');

      // Act
      const atZero = collect(machine, 0);
      const atFive = collect(machine, 5);
      const atTen = collect(machine, 10);
      const beyond = collect(machine, 21);

      // Assess
      expect(atZero).toEqual(['closed']);
      expect(atFive).toEqual(['closed', 'open', 'upper']);
      expect(atTen).toEqual(['closed', 'upper']);
      expect(beyond).toEqual([]);
    });

    it('scans the ranges instead when the table would grow past its bound', () => {
      // Prepare: 1,500 nested ranges: the table would need ~4.5M entries
      const machine = new FieldMachine<string>();
      for (let i = 0; i < 1500; i++) machine.add(range(i, 10_000 - i), `r${i}`);

      // Act
      const middle = collect(machine, 5000);
      const edge = collect(machine, 3);
      const outside = collect(machine, 10_001);

      // Assess
      expect(middle).toHaveLength(1500);
      expect(edge).toEqual(['r0', 'r1', 'r2', 'r3']);
      expect(outside).toEqual([]);
    });

    it('tries wildcards with stars at both ends against every value', () => {
      // Prepare
      const machine = new FieldMachine<string>();
      machine.add({ kind: 'wildcard', value: '*lib*', pieces: parseWildcard('*lib*') as string[] }, 'lib');
      machine.add({ kind: 'wildcard', value: 'a*', pieces: parseWildcard('a*') as string[] }, 'a');
      machine.add({ kind: 'wildcard', value: '*z', pieces: parseWildcard('*z') as string[] }, 'z');

      // Act
      const got = collect(machine, 'a/lib/z');
      const none = collect(machine, 'bin');

      // Assess
      expect(got).toEqual(['a', 'lib', 'z']);
      expect(none).toEqual([]);
    });

    it('matches IP literals and CIDR blocks only on strings that are addresses', () => {
      // Prepare
      const machine = new FieldMachine<string>();
      machine.add({ kind: 'ip', value: '0a000001' }, 'ip');
      machine.add({ kind: 'cidr', value: '10.0.0.0/8', lo: '0a000000', hi: '0affffff' }, 'cidr');

      // Act
      const address = collect(machine, '10.0.0.1');
      const notAddress = collect(machine, '10.0.0.1.5');
      const number = collect(machine, 10);

      // Assess
      expect(address).toEqual(['cidr', 'ip']);
      expect(notAddress).toEqual([]);
      expect(number).toEqual([]);
    });
  });
});
