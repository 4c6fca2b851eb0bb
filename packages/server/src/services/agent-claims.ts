// Where the agent's own words contradict the action's fields: a figure in its summary that no
// amount has ("$5.00" beside `amount_usd: 950000`), an environment it names that the action is
// not in, a "read-only" claim beside a destructive command, a context value that disagrees with
// the field of the same name. Heuristics, so they only ever add a warning; they never decide.

import type { AgentWords, ShownField } from './request-facts.js';

export interface Contradiction {
  path: string;
  value: unknown;
  /** Where the agent said otherwise: `summary`, `reasoning` or `context.<key>`. */
  source: string;
  /** The agent's words that disagree, as it wrote them (short). */
  claim: string;
  message: string;
}

const MAX_CLAIM = 80;

const AMOUNT = /(^|[^a-z])(amount|price|cost|total|fee|balance|usd|eur|gbp|budget)([^a-z]|$)/i;
/** Money in text: `$5.00`, `€1,200`, `3k USD`, `950000 dollars`. */
const MONEY =
  /(?:[$€£¥]\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:\s?([km])\b)?)|(?:\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:\s?([km]))?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?)\b)/gi;

const ENVIRONMENTS: Record<string, string> = {
  production: 'production',
  prod: 'production',
  staging: 'staging',
  development: 'development',
  dev: 'development',
  sandbox: 'sandbox',
  // "test" and "stage" are left out: as ordinary words they would raise false alarms.
};

const HARMLESS = /\b(read[- ]?only|no[- ]op|dry[- ]run|harmless|non[- ]destructive|health[- ]check|does not change|no changes)\b/i;
const COMMAND = /(^|[^a-z])(command|cmd|script|query|sql|statement|args|argv)([^a-z]|$)/i;
const DESTRUCTIVE =
  /\brm\s+-\w*[rf]|\bdrop\s+(table|database|schema|index)\b|\btruncate\b|\bdelete\s+from\b|\bmkfs|\bdd\s+if=|\bshutdown\b|\breboot\b|\bkill\s+-9\b|\bchmod\s+-R\b|\bchown\s+-R\b|\bformat\s+[a-z]:|\bRemove-Item\b.*-Recurse|\bgit\s+push\s+.*--force\b/i;

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_CLAIM ? `${flat.slice(0, MAX_CLAIM - 1)}…` : flat;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The agent's texts with where each came from; context values that are strings count too. */
function texts(words: AgentWords): { source: string; text: string }[] {
  const found: { source: string; text: string }[] = [];
  if (words.summary !== null) found.push({ source: 'summary', text: words.summary });
  if (words.reasoning !== null) found.push({ source: 'reasoning', text: words.reasoning });
  for (const [key, value] of Object.entries(words.context))
    if (typeof value === 'string') found.push({ source: `context.${key}`, text: value });
  return found;
}

function moneyIn(text: string): { text: string; value: number }[] {
  const found: { text: string; value: number }[] = [];
  for (const match of text.matchAll(MONEY)) {
    const whole = match[1] ?? match[4];
    if (whole === undefined) continue;
    const fraction = match[2] ?? match[5];
    const scale = (match[3] ?? match[6])?.toLowerCase();
    const value = Number(`${whole.replace(/,/g, '')}${fraction === undefined ? '' : `.${fraction}`}`);
    found.push({ text: match[0], value: value * (scale === 'k' ? 1e3 : scale === 'm' ? 1e6 : 1) });
  }
  return found;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(0.005, Math.abs(b) * 0.005);

/** Figures the agent wrote that none of the action's amounts has. */
function moneyContradictions(words: AgentWords, fields: ShownField[]): Contradiction[] {
  const amounts = fields.flatMap((field) => {
    const value = numberOf(field.value);
    return value !== undefined && AMOUNT.test(field.path) ? [{ field, value }] : [];
  });
  if (amounts.length === 0) return [];
  const found: Contradiction[] = [];
  for (const { source, text } of texts(words)) {
    const figures = moneyIn(text);
    if (figures.length === 0 || figures.some((figure) => amounts.some((amount) => close(figure.value, amount.value)))) continue;
    const { field } = amounts[0]!;
    found.push({
      path: field.path,
      value: field.value,
      source,
      claim: short(figures[0]!.text),
      message: `the agent's ${sourceName(source)} says ${short(figures[0]!.text)}, but \`${field.path}\` is ${shown(field.value)}`,
    });
  }
  return found;
}

/**
 * Only the summary is read here: it is the one line that claims what the action is, while
 * reasoning and context often name other environments in passing ("the canary in staging passed").
 */
function environmentContradictions(words: AgentWords, environment: string | null): Contradiction[] {
  const actual = environment === null ? undefined : (ENVIRONMENTS[environment.toLowerCase()] ?? environment.toLowerCase());
  if (actual === undefined || words.summary === null) return [];
  const named = [...words.summary.toLowerCase().matchAll(/[a-z]+/g)]
    .map((word) => ENVIRONMENTS[word[0]])
    .filter((name) => name !== undefined);
  if (named.length === 0 || named.includes(actual)) return [];
  return [
    {
      path: 'environment',
      value: environment,
      source: 'summary',
      claim: named[0]!,
      message: `the agent's summary names ${named[0]}, but \`environment\` is ${environment}`,
    },
  ];
}

function harmlessContradictions(words: AgentWords, fields: ShownField[]): Contradiction[] {
  const destructive = fields.find((field) => COMMAND.test(field.path) && DESTRUCTIVE.test(shown(field.value)));
  if (destructive === undefined) return [];
  const found: Contradiction[] = [];
  for (const { source, text } of texts(words)) {
    const claim = HARMLESS.exec(text);
    if (claim === null) continue;
    found.push({
      path: destructive.path,
      value: destructive.value,
      source,
      claim: claim[0],
      message: `the agent's ${sourceName(source)} calls this ${claim[0]}, but \`${destructive.path}\` is ${short(shown(destructive.value))}`,
    });
  }
  return found;
}

/** `context.amount: "$5.00"` beside `amount_usd: 950000`: the same name, a different value. */
function contextContradictions(words: AgentWords, fields: ShownField[]): Contradiction[] {
  const stem = (name: string) =>
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/_(usd|eur|gbp|cents|id|name)$/, '');
  const found: Contradiction[] = [];
  for (const [key, claimed] of Object.entries(words.context)) {
    if (claimed === null || typeof claimed === 'object') continue;
    const field = fields.find((candidate) => stem(candidate.path.split('.').pop()!) === stem(key));
    if (field === undefined || field.value === null || typeof field.value === 'object') continue;
    const actualNumber = numberOf(field.value);
    const claimedNumber = numberOf(claimed) ?? moneyIn(String(claimed))[0]?.value;
    const same =
      actualNumber !== undefined && claimedNumber !== undefined
        ? close(claimedNumber, actualNumber)
        : String(claimed).trim().toLowerCase() === String(field.value).trim().toLowerCase();
    if (same) continue;
    found.push({
      path: field.path,
      value: field.value,
      source: `context.${key}`,
      claim: short(String(claimed)),
      message: `the agent's context gives ${key} as ${short(String(claimed))}, but \`${field.path}\` is ${short(shown(field.value))}`,
    });
  }
  return found;
}

function sourceName(source: string): string {
  return source.startsWith('context.') ? `context (${source.slice('context.'.length)})` : source;
}

export function contradictions(words: AgentWords, fields: ShownField[], environment: string | null): Contradiction[] {
  const all = [
    ...moneyContradictions(words, fields),
    ...environmentContradictions(words, environment),
    ...harmlessContradictions(words, fields),
    ...contextContradictions(words, fields),
  ];
  // One warning per field and place the agent said it.
  const seen = new Set<string>();
  return all.filter((item) => {
    const key = `${item.path}\u0000${item.source}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
