// Look-alike text: the normalized form string comparisons see (NFKC, invisible characters dropped),
// and the signs that a string imitates another (letters of mixed scripts, confusable letters).
// Everything here is skipped for plain ASCII, so the common action costs one scan of its strings.

/** True when every UTF-16 unit is ASCII: such a string is its own normalized form. */
export function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A string the fast path cannot settle: it holds something other than ASCII. */
export function isForeign(value: unknown): value is string {
  return typeof value === 'string' && !isPlainAscii(value);
}

/** Zero-width spaces and joiners, soft hyphens, bidi controls, variation selectors, fillers. */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

export function normalizeText(text: string): string {
  return isPlainAscii(text) ? text : text.normalize('NFKC').replace(INVISIBLE, '');
}

/** A value with its strings normalized; lists too (for `in` and `not_in`). */
export function normalizeValue<T>(value: T): T {
  if (typeof value === 'string') return normalizeText(value) as T;
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? normalizeText(item) : item)) as T;
  return value;
}

/** The string with any ASCII-looking letters of other scripts replaced by the ASCII letters they imitate. */
export function skeleton(text: string): string {
  if (isPlainAscii(text)) return text;
  let out = '';
  for (const char of text) out += CONFUSABLE.get(char) ?? char;
  return out;
}

// Letters of other scripts drawn like ASCII letters (from Unicode's confusables for the Latin,
// Cyrillic, Greek and Armenian alphabets); NFKC already folds fullwidth and mathematical letters.
const CONFUSABLE = new Map<string, string>();
const LOOK_ALIKES: [string, string][] = [
  // Cyrillic
  ['авсеһіјкӏорԛѕухԁԝьАВЕКМНОРСТХЅІЈҮԀԚԜ', 'aBcehijklopqsyxdwbABEKMHOPCTXSIJYDQW'],
  // Greek
  ['αορνικυϲϳΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ', 'aopvikucjABEZHIKMNOPTYXC'],
  // Armenian, IPA and small capitals
  ['օսհոցզıɑɡʏᴠ', 'ouhngqiagyv'],
];
for (const [from, to] of LOOK_ALIKES) {
  // Both strings are of the same length, one letter to one letter.
  for (let i = 0; i < from.length; i++) CONFUSABLE.set(from[i]!, to[i]!);
}

/** Scripts told apart; a letter of any other script counts under its own name "another script". */
const SCRIPTS: readonly [string, RegExp][] = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Cherokee',
  'Hebrew',
  'Arabic',
  'Devanagari',
  'Bengali',
  'Tamil',
  'Thai',
  'Ethiopic',
  'Han',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Hangul',
  'Coptic',
].map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')]);

/** Script sets that are one writing system, not a disguise (UTS #39, highly restrictive). */
const WRITING_SYSTEMS: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** Letters that belong to a script: the long-vowel mark `ー` and such are shared (Common) and not counted. */
const SCRIPT_LETTER = /(?![\p{Script=Common}\p{Script=Inherited}])\p{L}/u;

/** The scripts of a string's letters when they mix in a way no one writing system does, else undefined. */
export function mixedScripts(text: string): string[] | undefined {
  if (isPlainAscii(text)) return undefined;
  const found = new Set<string>();
  for (const char of text) {
    if (!SCRIPT_LETTER.test(char)) continue;
    found.add(SCRIPTS.find(([, test]) => test.test(char))?.[0] ?? 'another script');
  }
  if (found.size < 2) return undefined;
  if (WRITING_SYSTEMS.some((system) => [...found].every((script) => system.has(script)))) return undefined;
  return [...found];
}

/** Whether dropping invisible characters changed the string. */
export function hasInvisible(text: string): boolean {
  return !isPlainAscii(text) && text.normalize('NFKC') !== normalizeText(text);
}
