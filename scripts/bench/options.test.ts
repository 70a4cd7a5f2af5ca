import { describe, expect, it } from 'vitest';
import { benchCommand, option, positive, positiveInt, positiveList } from './options.js';

/** A bench command that reports instead of exiting, its output kept. */
function quiet() {
  const out: string[] = [];
  const command = benchCommand('bench:x', 'a benchmark')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) })
    .addOption(option('--seconds <n>', 'seconds per rate', positive('--seconds'), '10'))
    .addOption(option('--doors <n>', 'doors', positiveInt('--doors'), '100'))
    .addOption(option('--max <rates>', 'rates', positiveList('--max'), '250,500'));
  return { command, out };
}

describe('Function: benchCommand', () => {
  it('parses the options, and the defaults as if typed', () => {
    // Prepare
    const { command } = quiet();
    // Act
    const opts = command.parse(['--seconds', '2.5', '--max', '4000, 10000'], { from: 'user' }).opts();
    // Assess
    expect(opts).toEqual({ seconds: 2.5, doors: 100, max: [4000, 10000] });
  });

  it('prints --help with the defaults as typed', () => {
    // Prepare
    const { command, out } = quiet();
    // Act
    expect(() => command.parse(['--help'], { from: 'user' })).toThrow();
    // Assess
    const help = out.join('');
    expect(help).toContain('Usage: bench:x [options]');
    expect(help).toContain('(default: 250,500)');
    expect(help).toContain('(default: 10)');
  });

  it.each([
    [['--seconds', '0'], '--seconds must be a number > 0'],
    [['--doors', '2.5'], '--doors must be a whole number > 0'],
    [['--max', '4000,x'], '--max must be a number > 0'],
    [['--sconds', '3'], "unknown option '--sconds'"],
  ])('refuses %j, saying %s', (args, message) => {
    // Prepare
    const { command, out } = quiet();
    // Act
    expect(() => command.parse(args, { from: 'user' })).toThrow();
    // Assess
    expect(out.join('')).toContain(message);
  });
});
