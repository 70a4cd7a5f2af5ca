export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of `doctor`: what was checked, how it went, and why, in words. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string): CheckResult => ({ name, status: 'warn', detail });
export const fail = (name: string, detail: string): CheckResult => ({ name, status: 'fail', detail });

export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
