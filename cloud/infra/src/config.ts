/**
 * The deployment's settings, from CDK context (`cdk synth -c stage=prod -c alarmEmails=...`)
 * or passed as props by another app. Checked up front: every bad value is listed at once.
 */
export interface SmartdoorConfig {
  /** Short name that keeps several deployments apart in one account (lowercase letters, digits). @default 'dev' */
  stage: string;
  /** Target account. @default CDK_DEFAULT_ACCOUNT, else the placeholder '000000000000' (synth only) */
  account: string;
  /** Target region. @default CDK_DEFAULT_REGION, else 'us-east-1' */
  region: string;
  /** E-mail addresses subscribed to the notification topic. @default none */
  notificationEmails: string[];
  /** E-mail addresses subscribed to the alarm topic. @default none */
  alarmEmails: string[];
  /** HTTPS endpoint the notification function POSTs to. @default none (no webhook) */
  webhookUrl?: string;
  /** Secrets Manager secret (name or ARN) holding the webhook's signing secret; required with webhookUrl. @default none */
  webhookSecretName?: string;
  /** How far apart a badge read and an opening may be, in seconds. @default 10 */
  badgeWindowSeconds: number;
  /** Notification collapse window, in seconds (0 turns collapsing off). @default 60 */
  collapseSeconds: number;
  /** How long a door may stay disconnected before it is reported offline, in seconds. @default 30 */
  offlineGraceSeconds: number;
  /** How long the bus archive keeps events, in days (0 keeps them forever). @default 30 */
  archiveRetentionDays: number;
  /** Keep tables, the archive and log groups when the stack is deleted. @default true */
  retainData: boolean;
}

/** A context value or setting is wrong; lists every problem. */
export class SmartdoorConfigError extends Error {
  override name = 'SmartdoorConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`smartdoor CDK settings are invalid:\n  ${problems.join('\n  ')}`);
  }
}

type Lookup = (key: string) => unknown;

const STAGE_RE = /^[a-z][a-z0-9]{0,15}$/;
const EMAIL_RE = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;

/**
 * Read the settings through `lookup` (e.g. `(k) => app.node.tryGetContext(k)`) and the
 * environment (CDK_DEFAULT_ACCOUNT/REGION, set by the CDK CLI when it has credentials).
 */
export function readSmartdoorConfig(
  lookup: Lookup,
  env: Record<string, string | undefined> = process.env,
): SmartdoorConfig {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const v = lookup(key);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') {
      problems.push(`${key}: expected text, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  };
  const int = (key: string, min: number, max: number, fallback: number): number => {
    const v = lookup(key);
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return n;
  };
  const list = (key: string): string[] => {
    const v = lookup(key);
    if (v === undefined || v === null || v === '') return [];
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v];
    const out = items.map((i) => String(i).trim()).filter((i) => i !== '');
    for (const i of out) if (!EMAIL_RE.test(i)) problems.push(`${key}: "${i}" is not an e-mail address`);
    return out;
  };

  const stage = text('stage') ?? 'dev';
  if (!STAGE_RE.test(stage)) {
    problems.push(`stage: "${stage}" must be 1-16 lowercase letters and digits, starting with a letter`);
  }
  const account = text('account') ?? env.CDK_DEFAULT_ACCOUNT ?? '000000000000';
  if (!/^\d{12}$/.test(account)) problems.push(`account: "${account}" is not a 12-digit AWS account id`);
  const region = text('region') ?? env.CDK_DEFAULT_REGION ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) problems.push(`region: "${region}" is not an AWS region name`);

  const webhookUrl = text('webhookUrl');
  const webhookSecretName = text('webhookSecretName');
  if (webhookUrl !== undefined && !/^https:\/\/[^\s/]+/.test(webhookUrl)) {
    problems.push(`webhookUrl: "${webhookUrl}" must be an https:// URL`);
  }
  if (webhookUrl !== undefined && webhookSecretName === undefined) {
    problems.push('webhookSecretName: required with webhookUrl (every delivery is signed)');
  }
  const retain = lookup('retainData');
  if (
    retain !== undefined &&
    retain !== true &&
    retain !== false &&
    retain !== 'true' &&
    retain !== 'false'
  ) {
    problems.push(`retainData: expected true or false, got ${JSON.stringify(retain)}`);
  }

  const config: SmartdoorConfig = {
    stage,
    account,
    region,
    notificationEmails: list('notificationEmails'),
    alarmEmails: list('alarmEmails'),
    ...(webhookUrl !== undefined ? { webhookUrl } : {}),
    ...(webhookSecretName !== undefined ? { webhookSecretName } : {}),
    badgeWindowSeconds: int('badgeWindowSeconds', 1, 3_600, 10),
    collapseSeconds: int('collapseSeconds', 0, 86_400, 60),
    offlineGraceSeconds: int('offlineGraceSeconds', 0, 86_400, 30),
    archiveRetentionDays: int('archiveRetentionDays', 0, 3_650, 30),
    retainData: retain !== false && retain !== 'false',
  };
  if (problems.length > 0) throw new SmartdoorConfigError(problems);
  return config;
}
