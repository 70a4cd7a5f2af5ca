/** Root of every error the operations commands (doctor, install-service) raise. */
export class OpsError extends Error {
  override name = 'OpsError';
}

/** The systemd unit could not be written. */
export class UnitWriteError extends OpsError {
  override name = 'UnitWriteError';
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    const code = (options?.cause as NodeJS.ErrnoException | undefined)?.code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied (run with sudo, or pass --unit-dir)'
        : String(code ?? options?.cause);
    super(`cannot write ${path}: ${why}`, options);
  }
}

/** An option of install-service is not usable (e.g. a relative path, a bad user name). */
export class InstallOptionError extends OpsError {
  override name = 'InstallOptionError';
}
