// Maps keyed by names users choose (environments, groups, workflows, agents): without a
// prototype, so that a name such as `constructor` or `__proto__` is just a name.

export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function hasKey(record: object, key: string | number): boolean {
  return Object.hasOwn(record, key);
}
