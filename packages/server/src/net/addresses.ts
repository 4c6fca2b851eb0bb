// What kind of address an IP is (loopback, private, link-local, metadata, …), so that a call to a
// destination a tenant or agent chose never reaches the server's own host or network.

import { isIP } from 'node:net';

export type AddressKind =
  'public' | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'shared' | 'multicast' | 'reserved' | 'documentation' | 'invalid';

interface Range {
  /** The range's first address as a number (IPv4) or a bigint (IPv6). */
  base: bigint;
  bits: number;
  width: 32 | 128;
}

/** A parsed CIDR range (`10.0.0.0/8`, `::1/128`) or single address; undefined when malformed. */
export function parseRange(text: string): Range | undefined {
  const [address, prefix, extra] = text.trim().split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const value = addressValue(address);
  if (value === undefined) return undefined;
  const width = value.width;
  const bits = prefix === undefined ? width : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  return { base: value.value & mask(bits, width), bits, width };
}

function mask(bits: number, width: number): bigint {
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
}

function inRange(value: { value: bigint; width: number }, range: Range): boolean {
  return value.width === range.width && (value.value & mask(range.bits, range.width)) === range.base;
}

/** An address as a number: IPv4 (32 bits) or IPv6 (128 bits), with its zone id dropped. */
function addressValue(text: string): { value: bigint; width: 32 | 128 } | undefined {
  const address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return { value: address.split('.').reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n), width: 32 };
  if (family !== 6) return undefined;
  // A dotted IPv4 ending (`::ffff:127.0.0.1`) is the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  const four = dotted === null ? undefined : addressValue(dotted[2]!)!.value;
  const hex = four === undefined ? address : `${dotted![1]!}${(four >> 16n).toString(16)}:${(four & 0xffffn).toString(16)}`;
  const [left = '', right, extra] = hex.split('::');
  if (extra !== undefined) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => BigInt(parseInt(group, 16))));
  const leftGroups = groups(left);
  const rightGroups = groups(right ?? '');
  const all =
    right === undefined
      ? leftGroups
      : [...leftGroups, ...Array<bigint>(8 - leftGroups.length - rightGroups.length).fill(0n), ...rightGroups];
  if (all.length !== 8) return undefined;
  return { value: all.reduce((sum, group) => (sum << 16n) | group, 0n), width: 128 };
}

const V4: [string, AddressKind][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  // Includes the cloud metadata service at 169.254.169.254.
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];
const V6: [string, AddressKind][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'],
  ['2001::/23', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
];
const SPECIAL = [...V4, ...V6].map(([range, kind]) => ({ range: parseRange(range)!, kind }));

/**
 * The IPv4 address an IPv6 one stands for, where it embeds one: mapped (`::ffff:a.b.c.d`),
 * compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`). Such an
 * address reaches the IPv4 host, so it is judged as that host.
 */
function embeddedV4(value: bigint): bigint | undefined {
  const high96 = value >> 32n;
  if (high96 === 0xffffn || high96 === 0n || high96 === 0x64ff9b0000000000000000n) return value & 0xffffffffn;
  if (value >> 112n === 0x2002n) return (value >> 80n) & 0xffffffffn;
  return undefined;
}

function normalized(text: string): { value: bigint; width: 32 | 128 } | undefined {
  const value = addressValue(text);
  if (value === undefined || value.width === 32) return value;
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4 ones.
  if (value.value <= 1n) return value;
  const four = embeddedV4(value.value);
  return four === undefined ? value : { value: four, width: 32 };
}

/** What kind of address `address` is; `public` for one that is none of the special ranges. */
export function addressKind(address: string): AddressKind {
  const value = normalized(address);
  if (value === undefined) return 'invalid';
  return SPECIAL.find(({ range }) => inRange(value, range))?.kind ?? 'public';
}

/** Whether `address` is in one of the ranges (CIDR text; an IPv4-mapped IPv6 address counts as its IPv4 one). */
export function inRanges(address: string, ranges: readonly string[]): boolean {
  const value = normalized(address);
  if (value === undefined) return false;
  return ranges.some((text) => {
    const range = parseRange(text);
    return range !== undefined && inRange(value, range);
  });
}
