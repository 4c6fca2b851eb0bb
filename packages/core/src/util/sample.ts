// Deterministic sampling: the same id always lands on the same side of the rate, so a decision
// replays identically.

/** A number in [0, 1) derived from the id with FNV-1a. */
export function sampleFraction(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche so that ids differing only at the end spread across the range.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return (hash >>> 0) / 0x100000000;
}
