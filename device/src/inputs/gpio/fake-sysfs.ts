import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeChip {
  label: string;
  base: number;
  ngpio: number;
}

/**
 * A fake /sys tree in a temp folder with the given gpiochips, for tests and for trying
 * the agent on a machine without GPIO. `withExport: false` plays a kernel without sysfs GPIO.
 */
export function makeFakeSysfs(
  chips: FakeChip[],
  opts: { withExport?: boolean } = {},
): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'smartdoor-sysfs-'));
  const gpioDir = join(root, 'class', 'gpio');
  mkdirSync(gpioDir, { recursive: true });
  if (opts.withExport ?? true) {
    writeFileSync(join(gpioDir, 'export'), '');
    writeFileSync(join(gpioDir, 'unexport'), '');
  }
  for (const chip of chips) {
    const dir = join(gpioDir, `gpiochip${chip.base}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'label'), `${chip.label}\n`);
    writeFileSync(join(dir, 'base'), `${chip.base}\n`);
    writeFileSync(join(dir, 'ngpio'), `${chip.ngpio}\n`);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
