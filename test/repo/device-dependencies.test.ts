/**
 * The agent installs on a Raspberry Pi with `npm ci --omit=dev -w device`: its runtime
 * tree must hold no cloud-side or build/test tooling (issue 2's rule), or a Pi pulls in
 * hundreds of megabytes it never runs.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const FORBIDDEN = [
  /^aws-cdk-lib$/,
  /^@aws-sdk\/client-/,
  /^vitest$/,
  /^typescript$/,
  /^aedes$/,
  /^@biomejs\//,
];

describe('Workspace: @smartdoor/device', () => {
  it('has no cloud-side or test tooling in its production dependency tree', () => {
    // Act
    const out = execFileSync('npm', ['ls', '--omit=dev', '-w', 'device', '--all', '--json'], {
      cwd: new URL('../..', import.meta.url),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const names = new Set<string>();
    const walk = (deps: Record<string, { dependencies?: Record<string, unknown> }> | undefined) => {
      for (const [name, node] of Object.entries(deps ?? {})) {
        if (names.has(name)) continue;
        names.add(name);
        walk(node.dependencies as never);
      }
    };
    walk(JSON.parse(out).dependencies);
    // Assess
    expect(names.has('@smartdoor/device')).toBe(true);
    expect([...names].filter((n) => FORBIDDEN.some((re) => re.test(n)))).toEqual([]);
  });
});
