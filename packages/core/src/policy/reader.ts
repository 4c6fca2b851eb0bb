// Typed reading of untrusted YAML data: each accessor checks one value and, when it is wrong,
// records a diagnostic at that value's position and returns undefined so checking goes on.

import { didYouMean } from '../util/did-you-mean.js';
import { parseDuration } from '../util/duration.js';
import { DECISIONS, isDecision, isRiskTier, RISK_TIERS, type Decision, type RiskTier } from '../decision.js';
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { DataPath, SourceDocument } from './source.js';

export type Plain = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} \`${String(value)}\``;
}

export function formatPath(path: DataPath): string {
  let text = '';
  for (const step of path) text += typeof step === 'number' ? `[${step}]` : text === '' ? step : `.${step}`;
  return text;
}

export class Reader {
  constructor(
    readonly source: SourceDocument,
    private readonly diagnostics: Diagnostic[],
  ) {}

  get file(): string {
    return this.source.file;
  }

  report(severity: Severity, path: DataPath, code: string, message: string, options: { key?: boolean; help?: string } = {}): void {
    const position = this.source.locate(path, options.key);
    this.diagnostics.push({
      code,
      message,
      severity,
      file: this.source.file,
      ...(position === undefined ? {} : { line: position.line, column: position.column }),
      path,
      ...(options.help === undefined ? {} : { help: options.help }),
    });
  }

  error(path: DataPath, code: string, message: string, options: { key?: boolean; help?: string } = {}): void {
    this.report('error', path, code, message, options);
  }

  /** Reports an error at a character offset inside a string value (CEL positions). */
  errorInString(path: DataPath, offset: number, code: string, message: string): void {
    const position = this.source.locateInString(path, offset);
    this.diagnostics.push({
      code,
      message,
      severity: 'error',
      file: this.source.file,
      ...(position === undefined ? {} : { line: position.line, column: position.column }),
      path,
    });
  }

  /** A map whose keys must come from `allowed`; unknown keys are reported with a suggestion. */
  object(value: unknown, path: DataPath, allowed: readonly string[], what: string): Plain | undefined {
    if (!isPlainObject(value)) {
      this.error(path, 'policy.wrong_type', `${what} must be a map, not ${describeType(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.error([...path, key], 'policy.unknown_key', `unknown key \`${key}\` in ${what}${didYouMean(key, allowed)}`, {
          key: true,
          help: `allowed: ${allowed.join(', ')}`,
        });
      }
    }
    return value;
  }

  required(record: Plain, key: string, path: DataPath, what: string): boolean {
    if (record[key] === undefined || record[key] === null) {
      this.error(path, 'policy.missing_field', `${what} needs \`${key}\``);
      return false;
    }
    return true;
  }

  string(value: unknown, path: DataPath, what: string): string | undefined {
    if (typeof value === 'string' && value.trim() !== '') return value;
    this.error(path, 'policy.wrong_type', `${what} must be a non-empty string, not ${describeType(value)}`);
    return undefined;
  }

  /** A string or a list of strings, always returned as a list. */
  stringList(value: unknown, path: DataPath, what: string): string[] | undefined {
    if (typeof value === 'string' && value.trim() !== '') return [value];
    if (Array.isArray(value) && value.length > 0) {
      const items: string[] = [];
      let ok = true;
      value.forEach((item, index) => {
        const text = this.string(item, [...path, index], `each entry of ${what}`);
        if (text === undefined) ok = false;
        else items.push(text);
      });
      return ok ? items : undefined;
    }
    this.error(path, 'policy.wrong_type', `${what} must be a string or a non-empty list of strings, not ${describeType(value)}`);
    return undefined;
  }

  number(value: unknown, path: DataPath, what: string, bounds: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.error(path, 'policy.wrong_type', `${what} must be a number, not ${describeType(value)}`);
      return undefined;
    }
    if (bounds.integer === true && !Number.isInteger(value)) {
      this.error(path, 'policy.out_of_range', `${what} must be a whole number, not \`${value}\``);
      return undefined;
    }
    if ((bounds.min !== undefined && value < bounds.min) || (bounds.max !== undefined && value > bounds.max)) {
      const range =
        bounds.max === undefined
          ? `at least ${bounds.min}`
          : bounds.min === undefined
            ? `at most ${bounds.max}`
            : `between ${bounds.min} and ${bounds.max}`;
      this.error(path, 'policy.out_of_range', `${what} must be ${range}, not \`${value}\``);
      return undefined;
    }
    return value;
  }

  boolean(value: unknown, path: DataPath, what: string): boolean | undefined {
    if (typeof value === 'boolean') return value;
    this.error(path, 'policy.wrong_type', `${what} must be true or false, not ${describeType(value)}`);
    return undefined;
  }

  decision(value: unknown, path: DataPath, what = 'decision'): Decision | undefined {
    if (isDecision(value)) return value;
    const text = typeof value === 'string' ? value : String(value);
    const upper = text.toUpperCase();
    const hint = isDecision(upper) ? `; decisions are written in capitals: \`${upper}\`` : didYouMean(upper, DECISIONS);
    this.error(path, 'policy.unknown_decision', `unknown ${what} \`${text}\`${hint}`, { help: `one of ${DECISIONS.join(', ')}` });
    return undefined;
  }

  risk(value: unknown, path: DataPath): RiskTier | undefined {
    if (isRiskTier(value)) return value;
    const text = String(value);
    this.error(path, 'policy.unknown_risk', `unknown risk tier \`${text}\`${didYouMean(text, RISK_TIERS)}`, {
      help: `one of ${RISK_TIERS.join(', ')}`,
    });
    return undefined;
  }

  duration(value: unknown, path: DataPath, what: string): number | undefined {
    const ms = typeof value === 'string' ? parseDuration(value) : typeof value === 'number' && value >= 0 ? value * 1000 : undefined;
    if (ms === undefined) {
      this.error(path, 'policy.bad_duration', `${what} must be a duration such as \`30m\`, \`4h\` or \`2d\`, not ${describeType(value)}`);
    }
    return ms;
  }

  oneOf<T extends string>(value: unknown, path: DataPath, options: readonly T[], what: string): T | undefined {
    if (typeof value === 'string' && (options as readonly string[]).includes(value)) return value as T;
    const text = String(value);
    this.error(path, 'policy.unknown_value', `unknown ${what} \`${text}\`${didYouMean(text, options)}`, {
      help: `one of ${options.join(', ')}`,
    });
    return undefined;
  }
}
