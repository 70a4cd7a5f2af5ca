/** Root of every error raised while loading the agent's configuration and secrets. */
export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
}

/** The configuration file is not there (or cannot be read). */
export class ConfigFileNotFoundError extends AgentConfigError {
  override name = 'ConfigFileNotFoundError';
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(
      `agent config file ${path} cannot be read: ${reasonOf(options?.cause)}. ` +
        'Pass --config FILE or set SMARTDOOR_AGENT_CONFIG.',
      options,
    );
  }
}

/** The configuration file is not valid JSON. */
export class ConfigFileMalformedError extends AgentConfigError {
  override name = 'ConfigFileMalformedError';
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`agent config file ${path} is not valid JSON: ${reasonOf(options?.cause)}`, options);
  }
}

/** The configuration parsed but broke the schema; `issues` lists every bad field. */
export class ConfigInvalidError extends AgentConfigError {
  override name = 'ConfigInvalidError';
  constructor(
    readonly path: string,
    readonly issues: string[],
    options?: { cause?: unknown },
  ) {
    super(`agent config file ${path} is invalid: ${issues.join('; ')}`, options);
  }
}

/** No usable badge secret (missing, unreadable or too short). */
export class BadgeSecretError extends AgentConfigError {
  override name = 'BadgeSecretError';
}

function reasonOf(cause: unknown): string {
  if (cause && typeof cause === 'object') {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'permission denied';
    if (code === 'EISDIR') return 'it is a folder';
    if (cause instanceof Error) return cause.message;
  }
  return String(cause);
}
