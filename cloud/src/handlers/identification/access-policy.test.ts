import { describe, expect, it } from 'vitest';
import { type BadgeEntry, decideAccess, parseHoursRule } from './access-policy.js';

const entry = (patch: Partial<BadgeEntry> = {}): BadgeEntry => ({
  badgeRef: 'a'.repeat(64),
  personId: 'alice',
  doors: ['door-1'],
  hours: [],
  timezone: 'UTC',
  ...patch,
});
// 2026-11-23 is a Monday.
const at = (iso: string) => Date.parse(iso);

describe('Function: decideAccess', () => {
  it('allows a known badge at an allowed door with no hours', () => {
    // Prepare / Act
    const d = decideAccess(entry(), 'door-1', at('2026-11-23T03:00:00Z'));
    // Assess
    expect(d).toEqual({ allowed: true, personId: 'alice' });
  });

  it('refuses an unknown badge, another door, and a time outside the hours', () => {
    // Prepare
    const office = entry({ hours: [parseHoursRule('mon-fri 08:00-18:00') as never] });
    // Act
    const results = [
      decideAccess(undefined, 'door-1', 0),
      decideAccess(entry(), 'door-2', 0),
      decideAccess(office, 'door-1', at('2026-11-23T19:00:00Z')),
      decideAccess(office, 'door-1', at('2026-11-22T10:00:00Z')),
    ];
    // Assess
    expect(results.map((r) => (r.allowed ? 'ok' : r.reason))).toEqual([
      'unknown-badge',
      'not-allowed-at-door',
      'not-allowed-at-hour',
      'not-allowed-at-hour',
    ]);
  });

  it('reads hours in the entry time zone and across midnight', () => {
    // Prepare
    const paris = entry({
      doors: ['*'],
      hours: [parseHoursRule('08:00-09:00') as never],
      timezone: 'Europe/Paris',
    });
    const night = entry({ hours: [parseHoursRule('22:00-06:00') as never] });
    // Act / Assess: 07:30 UTC is 08:30 in Paris in November.
    expect(decideAccess(paris, 'door-9', at('2026-11-23T07:30:00Z')).allowed).toBe(true);
    expect(decideAccess(paris, 'door-9', at('2026-11-23T08:30:00Z')).allowed).toBe(false);
    expect(decideAccess(night, 'door-1', at('2026-11-23T23:30:00Z')).allowed).toBe(true);
    expect(decideAccess(night, 'door-1', at('2026-11-23T05:59:00Z')).allowed).toBe(true);
    expect(decideAccess(night, 'door-1', at('2026-11-23T12:00:00Z')).allowed).toBe(false);
  });

  it('takes the hours after midnight of an overnight range as the named day’s night', () => {
    // Prepare: 2026-11-27 is a Friday.
    const friday = entry({ hours: [parseHoursRule('fri 22:00-06:00') as never] });
    const weekdays = entry({ hours: [parseHoursRule('mon-fri 22:00-06:00') as never] });
    // Act
    const results = [
      decideAccess(friday, 'door-1', at('2026-11-27T23:00:00Z')),
      decideAccess(friday, 'door-1', at('2026-11-28T02:00:00Z')),
      decideAccess(friday, 'door-1', at('2026-11-27T02:00:00Z')),
      decideAccess(weekdays, 'door-1', at('2026-11-28T02:00:00Z')),
      decideAccess(weekdays, 'door-1', at('2026-11-23T02:00:00Z')),
      decideAccess(weekdays, 'door-1', at('2026-11-24T02:00:00Z')),
    ];
    // Assess: Friday night and Saturday morning yes; Thursday night, Sunday night no.
    expect(results.map((r) => r.allowed)).toEqual([true, true, false, true, false, true]);
  });
});

describe('Function: parseHoursRule', () => {
  it('parses days, ranges and lists', () => {
    // Prepare / Act
    const rule = parseHoursRule('sat,sun 10:00-14:30');
    const week = parseHoursRule('fri-mon 00:00-24:00');
    // Assess
    expect(rule).toEqual({ days: ['sun', 'sat'], startMinute: 600, endMinute: 870 });
    expect(week).toEqual({ days: ['sun', 'mon', 'fri', 'sat'], startMinute: 0, endMinute: 1440 });
  });

  it('says what is wrong with a bad rule', () => {
    // Prepare / Act / Assess
    expect(parseHoursRule('8-18')).toMatch(/expected \[days \]HH:MM-HH:MM/);
    expect(parseHoursRule('25:00-26:00')).toMatch(/times must be 00:00 to 24:00/);
    expect(parseHoursRule('mon-fry 08:00-09:00')).toMatch(/unknown day/);
    expect(parseHoursRule('08:00-08:00')).toMatch(/start and end are the same/);
  });
});
