import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from './progress.js';

/** A stream that says it is a terminal, keeping what was drawn on it. */
function terminal(): { stream: NodeJS.WritableStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  return { stream, text: () => out.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '') };
}

describe('Class: ProgressDisplay', () => {
  it('draws one bar per phase: doors connected, seconds of the run, backlog drained', () => {
    // Prepare
    const t = terminal();
    const display = new ProgressDisplay({ enabled: true, stream: t.stream });
    // Act
    display.update({ phase: 'connecting', value: 3, total: 4, created: 0, acknowledged: 0 });
    display.update({ phase: 'running', value: 2_000, total: 6_000, created: 12, acknowledged: 10 });
    display.update({ phase: 'draining', value: 1, total: 2, created: 20, acknowledged: 20 });
    display.stop();
    // Assess
    const text = t.text();
    expect(text).toContain('connecting doors');
    expect(text).toContain('3/4');
    expect(text).toMatch(/running scenario\s+\[[^\]]+\] 2\/6 s \| events 12 \| acked 10/);
    expect(text).toMatch(/draining backlog\s+\[[^\]]+\] 1\/2 \| events 20 \| acked 20/);
  });

  it('draws nothing when disabled (--json, --no-progress or no terminal)', () => {
    // Prepare
    const t = terminal();
    const display = new ProgressDisplay({ enabled: false, stream: t.stream });
    // Act
    display.update({ phase: 'running', value: 2_000, total: 6_000, created: 12, acknowledged: 10 });
    display.stop();
    // Assess
    expect(t.text()).toBe('');
  });
});
