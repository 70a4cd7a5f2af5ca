/**
 * IP addresses and CIDR blocks as fixed-width lower-case hex strings (8 digits for IPv4,
 * 32 for IPv6), so that equality is string equality and range checks are string compares.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-ip-matching
 */

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The canonical hex form of an IPv4 or IPv6 address, or undefined if `text` is not one. */
export function ipToHex(text: string): string | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  return text.includes(':') ? ipv6ToHex(text) : ipv4ToHex(text);
}

/** A quick filter before the full parse: could this string be an IP address at all? */
export function mayBeIp(text: string): boolean {
  const c = text.charCodeAt(0);
  // digits, hex letters or ':' can start an address
  return (
    text.length >= 2 &&
    text.length <= 45 &&
    ((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))
  );
}

function ipv4ToHex(text: string): string | undefined {
  const m = V4.exec(text);
  if (!m) return undefined;
  let hex = '';
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) return undefined;
    hex += n.toString(16).padStart(2, '0');
  }
  return hex;
}

function ipv6ToHex(text: string): string | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): string[] | undefined => {
    if (part === '') return [];
    const out: string[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      // An embedded IPv4 address may end the text (::ffff:10.0.0.1).
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = ipv4ToHex(g);
        if (!v4) return undefined;
        out.push(v4.slice(0, 4), v4.slice(4));
      } else if (HEX_GROUP.test(g)) {
        out.push(g.toLowerCase().padStart(4, '0'));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1 && head.length !== 8) return undefined;
  if (halves.length === 2 && head.length + tail.length > 7) return undefined;
  const fill = 8 - head.length - tail.length;
  return [...head, ...Array<string>(fill).fill('0000'), ...tail].join('');
}

/** An inclusive address range in canonical hex. */
export interface IpRange {
  lo: string;
  hi: string;
}

/** Parse "address/prefix-length"; returns the range, or a reason why it is not a CIDR block. */
export function parseCidr(text: string): IpRange | string {
  const parts = text.split('/');
  if (parts.length !== 2) return `Malformed CIDR, one '/' required: ${text}`;
  const hex = ipToHex(parts[0]!);
  if (!hex) return `Nonsensical CIDR IP address: ${parts[0]}`;
  if (!/^\d{1,3}$/.test(parts[1]!)) return `Malformed CIDR, prefix length is not a number: ${text}`;
  const bits = Number(parts[1]);
  const width = hex.length * 4;
  if (bits > width) return `Malformed CIDR, prefix length ${bits} exceeds ${width}: ${text}`;
  const value = BigInt(`0x${hex}`);
  const hostBits = BigInt(width - bits);
  const hostMask = (1n << hostBits) - 1n;
  const lo = value & ~hostMask & ((1n << BigInt(width)) - 1n);
  const hi = lo | hostMask;
  return { lo: lo.toString(16).padStart(hex.length, '0'), hi: hi.toString(16).padStart(hex.length, '0') };
}

/** Is the canonical address `hex` inside `range`? Fixed width makes string order numeric order. */
export function inRange(hex: string, range: IpRange): boolean {
  return hex.length === range.lo.length && hex >= range.lo && hex <= range.hi;
}
