import { describe, expect, it } from 'vitest';
import { GpiodToolError } from '../errors.js';
import {
  gpiogetArgs,
  gpiomonArgs,
  parseGpiodetect,
  parseGpiodVersion,
  parseGpiogetValue,
  parseGpiomonLine,
  pickPiChip,
} from './gpiod-tools.js';

describe('Function: parseGpiodVersion', () => {
  it('reads v1 and v2 banners and refuses anything else', () => {
    // Prepare + Act + Assess
    expect(parseGpiodVersion('gpiomon (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski')).toBe(
      1,
    );
    expect(parseGpiodVersion('gpiomon (libgpiod) v2.1.3\n')).toBe(2);
    expect(() => parseGpiodVersion('gpiomon 9.0')).toThrow(GpiodToolError);
  });
});

describe('Function: parseGpiodetect', () => {
  it('lists chips and picks the header chip by label', () => {
    // Prepare
    const out = 'gpiochip0 [pinctrl-rp1] (54 lines)\ngpiochip10 [gpio-brcmstb@107d508500] (32 lines)\n';
    // Act
    const chips = parseGpiodetect(out);
    // Assess
    expect(chips).toEqual([
      { name: 'gpiochip0', label: 'pinctrl-rp1', lines: 54 },
      { name: 'gpiochip10', label: 'gpio-brcmstb@107d508500', lines: 32 },
    ]);
    expect(pickPiChip(chips)?.name).toBe('gpiochip0');
    expect(pickPiChip([{ name: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 }])).toBeUndefined();
  });
});

describe('Function: parseGpiomonLine', () => {
  it.each([
    { line: 'event:  RISING EDGE offset: 17 timestamp: [    1234.567890123]', major: 1, edge: 'rising' },
    { line: 'event: FALLING EDGE offset: 17 timestamp: [    1234.567890123]', major: 1, edge: 'falling' },
    { line: '1 17', major: 1, edge: 'rising' },
    { line: '0 17', major: 1, edge: 'falling' },
    { line: '1234.567890123\trising\tgpiochip0 17', major: 2, edge: 'rising' },
    { line: 'falling 17', major: 2, edge: 'falling' },
    { line: '2 17', major: 2, edge: 'falling' },
    { line: '1 17', major: 2, edge: 'rising' },
    { line: "Monitoring line '17'...", major: 2, edge: undefined },
    { line: '2 17', major: 1, edge: undefined },
  ] as const)('reads "$line" (v$major) as $edge', ({ line, major, edge }) => {
    // Prepare + Act
    const result = parseGpiomonLine(line, major);
    // Assess
    expect(result).toBe(edge);
  });
});

describe('Function: parseGpiogetValue', () => {
  it('reads both output styles and refuses garbage', () => {
    // Prepare + Act + Assess
    expect(parseGpiogetValue('0\n')).toBe(0);
    expect(parseGpiogetValue('1\n')).toBe(1);
    expect(parseGpiogetValue('"17"=active\n')).toBe(1);
    expect(parseGpiogetValue('17=inactive\n')).toBe(0);
    expect(() => parseGpiogetValue('error')).toThrow(/unexpected gpioget output/);
  });
});

describe('Function: gpiomonArgs', () => {
  it('builds the arguments of each version', () => {
    // Prepare + Act + Assess
    expect(gpiomonArgs(1, 'gpiochip0', 17, 'pull-up')).toEqual([
      '--bias=pull-up',
      '--line-buffered',
      '--format=%e %o',
      'gpiochip0',
      '17',
    ]);
    expect(gpiomonArgs(2, 'gpiochip0', 17, 'pull-up')).toEqual([
      '--bias=pull-up',
      '--edges=both',
      '--format=%E %o',
      '--chip',
      'gpiochip0',
      '17',
    ]);
    expect(gpiogetArgs(2, 'gpiochip4', 17, 'pull-down')).toEqual([
      '--bias=pull-down',
      '--chip',
      'gpiochip4',
      '17',
    ]);
    expect(gpiogetArgs(1, 'gpiochip4', 17, 'as-is')).toEqual(['--bias=as-is', 'gpiochip4', '17']);
  });
});
