/** Root of every error the local IoT Core (broker, CA, rules engine) raises. */
export class LocalIotError extends Error {
  override name = 'LocalIotError';
}

/** The local CA could not be created, loaded, or could not issue a certificate. */
export class CertificateAuthorityError extends LocalIotError {
  override name = 'CertificateAuthorityError';
  constructor(
    message: string,
    /** The CA folder or the thing the operation was about. */
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A certificate signing request was malformed or its signature did not verify. */
export class InvalidCsrError extends CertificateAuthorityError {
  override name = 'InvalidCsrError';
}

/** A topic rule could not be compiled at start (bad SQL, unknown action). */
export class TopicRuleError extends LocalIotError {
  override name = 'TopicRuleError';
  constructor(
    message: string,
    readonly ruleName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
