// Every package the lockfile installs runs on the Node version the README promises (the root
// `engines`, 20.19): `npm ci` must print no EBADENGINE warning on it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/server-process.js';

type Version = [number, number, number];

/** Whether `version` satisfies one npm range of the forms lockfiles hold (`>=18`, `^20.19.0 || >=22`, `20.x`, `14 >=14.17`, `*`). */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => comparatorHolds(version, comparator)),
  );
}

function comparatorHolds(version: Version, comparator: string): boolean {
  if (comparator === '*' || comparator === '') return true;
  const found = /^(>=|<=|>|<|\^|~|=)?v?(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
  if (found === null) throw new Error(`engines range \`${comparator}\` is of a form this check does not read`);
  const op = found[1] ?? '';
  const parts = [found[2], found[3], found[4]].map((part) =>
    part === undefined || part === 'x' || part === '*' ? undefined : Number(part),
  );
  const given = parts.findIndex((part) => part === undefined);
  const bound = parts.map((part) => part ?? 0) as Version;
  const order = version[0] - bound[0] || version[1] - bound[1] || version[2] - bound[2];
  const samePrefix = (length: number): boolean => parts.slice(0, length).every((part, i) => part === undefined || part === version[i]);
  switch (op) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
    case '^':
      return order >= 0 && (bound[0] > 0 ? version[0] === bound[0] : samePrefix(2));
    case '~':
      return order >= 0 && samePrefix(2);
    default:
      // `20`, `20.x`, `=20.19.0`: every part given must be equal.
      return samePrefix(given === -1 ? 3 : given);
  }
}

describe('the lockfile', () => {
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
  const floor = /^>=(\d+)\.(\d+)$/.exec(root.engines.node);

  it('reads the ranges as npm does', () => {
    expect(satisfies([20, 19, 0], '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies([20, 19, 0], '>=22')).toBe(false);
    expect(satisfies([20, 19, 0], '20.x || 22.x')).toBe(true);
    expect(satisfies([20, 19, 0], '>= 12.*')).toBe(true);
    expect(satisfies([20, 19, 0], '>=16 || 14 >=14.17')).toBe(true);
    expect(satisfies([20, 19, 0], '^18.18.0 || ^20.20.0')).toBe(false);
    expect(satisfies([20, 19, 0], '18 || 20 || >=22')).toBe(true);
  });

  it(`installs nothing that needs a newer Node than the floor (${root.engines.node})`, () => {
    expect(floor, 'the root engines is `>=MAJOR.MINOR`').not.toBeNull();
    const version: Version = [Number(floor![1]), Number(floor![2]), 0];
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    };
    const unsupported = Object.entries(lock.packages)
      .filter(([, entry]) => !Array.isArray(entry.engines) && entry.engines?.node !== undefined)
      .filter(([, entry]) => !satisfies(version, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path}@${entry.version}: node ${(entry.engines as { node: string }).node}`);
    expect(unsupported).toEqual([]);
  });
});
