import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { InvalidSignatureError } from './errors.js';

/** What the Authorization header of a SigV4 request says. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
  /** The signing name: 'events', 'iotdata', 'iot', ... */
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]+)\s*$/i;

/**
 * Reads the credential scope of an `AWS4-HMAC-SHA256` Authorization header
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-auth-using-authorization-header.html).
 * Returns undefined when the header is not SigV4.
 */
export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  if (header === undefined) return undefined;
  const m = AUTH_RE.exec(header.trim());
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    date: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.toLowerCase().split(';'),
    signature: m[6]!.toLowerCase(),
  };
}

/** The parts of a received HTTP request a signature covers. */
export interface SignedHttpRequest {
  method: string;
  /** Raw, still percent-encoded path as received. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** SigV4 allows 15 minutes of clock skew. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Verifies a SigV4 header signature by signing the same canonical request again with
 * @smithy/signature-v4 (the signer the SDK itself uses) and comparing in constant time.
 * Throws InvalidSignatureError with AWS's wording when it does not match.
 */
/**
 * Signers by credentials, region and service: a signer caches its derived signing key (four
 * HMACs) per day, which a signer per request recomputed every time.
 */
const signers = new WeakMap<object, Map<string, SignatureV4>>();
const NodeSha256 = Hash.bind(null, 'sha256');

function signerFor(
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
  service: string,
): SignatureV4 {
  let mine = signers.get(credentials);
  if (!mine) {
    mine = new Map();
    signers.set(credentials, mine);
  }
  const key = `${region}\0${service}`;
  let signer = mine.get(key);
  if (!signer) {
    // The regions and services clients name: a few, but bounded against clients inventing them.
    if (mine.size >= 256) mine.clear();
    signer = new SignatureV4({
      credentials,
      region,
      service,
      // Node's native SHA-256 and HMAC (the SDK's own for Node), not the pure-JS one.
      sha256: NodeSha256,
      // The client decides whether the payload hash header is signed; never add one here.
      applyChecksum: false,
    });
    mine.set(key, signer);
  }
  return signer;
}

export async function verifySignature(
  req: SignedHttpRequest,
  auth: SigV4Authorization,
  credentials: { accessKeyId: string; secretAccessKey: string },
  now: number,
): Promise<void> {
  if (auth.accessKeyId !== credentials.accessKeyId) {
    throw new InvalidSignatureError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const signingDate = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (signingDate === undefined) {
    throw new InvalidSignatureError('InvalidSignatureException', 'Missing or malformed X-Amz-Date header.');
  }
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) {
    throw new InvalidSignatureError(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier or later than 15 min from the server time.`,
    );
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headerValue(req.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(req.query.keys())) {
    const all = req.query.getAll(key);
    query[key] = all.length === 1 ? all[0]! : all;
  }
  const signed = await signerFor(credentials, auth.region, auth.service).sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: 'localhost',
      path: req.path,
      query,
      headers,
      body: req.body,
    },
    { signingDate, signingRegion: auth.region, signingService: auth.service },
  );
  const expected = parseAuthorization(String(signed.headers.authorization ?? signed.headers.Authorization));
  const a = Buffer.from(expected?.signature ?? '', 'utf8');
  const b = Buffer.from(auth.signature, 'utf8');
  if (
    a.length !== b.length ||
    !timingSafeEqual(a, b) ||
    expected?.signedHeaders.join(';') !== auth.signedHeaders.join(';')
  ) {
    throw new InvalidSignatureError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
}

export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}
