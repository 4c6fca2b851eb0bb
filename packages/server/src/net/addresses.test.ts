// The address classifier: every special IPv4 and IPv6 range, IPv6 forms that embed an IPv4
// address, and the operator's CIDR allowances.

import { describe, expect, it } from 'vitest';
import { addressKind, inRanges, parseRange } from './addresses.js';

describe('addressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    // IPv6 forms that reach an IPv4 host are judged as that host.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::169.254.169.254', 'link-local'],
    ['2002:a9fe:a9fe::1', 'link-local'],
    ['2002:7f00:1::', 'loopback'],
    ['[::1]', 'loopback'],
  ])('%s is %s', (address, kind) => {
    expect(addressKind(address)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '169.255.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(addressKind(address)).toBe('public');
  });

  it.each(['', 'localhost', '1.2.3', '1.2.3.256', '::g', '1::2::3', 'example.com'])('`%s` is not an address', (address) => {
    expect(addressKind(address)).toBe('invalid');
  });
});

describe('inRanges', () => {
  it('matches CIDR ranges and single addresses of either family', () => {
    expect(inRanges('127.0.0.1', ['127.0.0.1/32'])).toBe(true);
    expect(inRanges('127.0.0.2', ['127.0.0.1/32'])).toBe(false);
    expect(inRanges('127.0.0.2', ['127.0.0.0/8'])).toBe(true);
    expect(inRanges('10.20.30.40', ['10.20.0.0/16'])).toBe(true);
    expect(inRanges('10.21.30.40', ['10.20.0.0/16'])).toBe(false);
    expect(inRanges('192.168.1.5', ['192.168.1.5'])).toBe(true);
    expect(inRanges('::1', ['::1/128'])).toBe(true);
    expect(inRanges('fd00::5', ['fd00::/8'])).toBe(true);
    expect(inRanges('fe80::5', ['fd00::/8'])).toBe(false);
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(inRanges('::ffff:127.0.0.1', ['127.0.0.1/32'])).toBe(true);
    expect(inRanges('::ffff:127.0.0.2', ['127.0.0.1/32'])).toBe(false);
  });

  it('never lets one family stand for the other, and ignores malformed ranges', () => {
    expect(inRanges('::1', ['127.0.0.0/8'])).toBe(false);
    expect(inRanges('127.0.0.1', ['::/0'])).toBe(false);
    expect(inRanges('127.0.0.1', ['127.0.0.0/33', 'nonsense', '127.0.0.0/8/1'])).toBe(false);
    expect(inRanges('8.8.8.8', ['0.0.0.0/0'])).toBe(true);
  });

  it('parses ranges to their network address', () => {
    expect(parseRange('10.1.2.3/8')).toEqual({ base: 10n << 24n, bits: 8, width: 32 });
    expect(parseRange('::1')).toEqual({ base: 1n, bits: 128, width: 128 });
    expect(parseRange('10.0.0.0/x')).toBeUndefined();
  });
});
