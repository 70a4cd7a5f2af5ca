import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, warnIfRoot } from './cli.js';

describe('Function: buildProgram', () => {
  const before = process.umask();
  afterEach(() => {
    process.umask(before);
    vi.restoreAllMocks();
  });

  it('sets umask 077 before a command runs, whatever the umask it was started with', async () => {
    // Prepare
    process.umask(0);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const program = (await buildProgram()).exitOverride();
    // Act: a command that fails at once (no such config), after the hook
    await program
      .parseAsync(['status', '--config', '/nonexistent/agent.json'], { from: 'user' })
      .catch(() => {});
    // Assess
    expect(process.umask()).toBe(0o077);
  });
});

describe('Function: warnIfRoot', () => {
  it('warns when the agent runs as root', () => {
    // Prepare
    const warn = vi.fn();
    // Act
    warnIfRoot({ warn } as never, () => 0);
    // Assess
    expect(warn).toHaveBeenCalledWith(
      'running as root: the agent needs no privileges; see install-service (User=smartdoor)',
    );
  });

  it('says nothing for another user', () => {
    // Prepare
    const warn = vi.fn();
    // Act
    warnIfRoot({ warn } as never, () => 1000);
    // Assess
    expect(warn).not.toHaveBeenCalled();
  });
});
