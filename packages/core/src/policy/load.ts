// The kernel's entry points: policy text in, compiled policy (or every diagnostic) out.

import { PolicyError, type Diagnostic } from '../diagnostics.js';
import { canonicalJson } from '../util/canonical-json.js';
import { sha256Hex } from '../util/sha256.js';
import { compileBundle } from './compile.js';
import { evaluateBundle } from './evaluate.js';
import type { EvaluateOptions, PolicyDecision } from './result.js';
import { readSources, readSourcesFast, type PolicyFile } from './source.js';
import type { Condition, PolicyBundle } from './types.js';
import { validateBundle } from './validate.js';

/** YAML text, one file, several files (a folder's contents, in order). */
export type PolicySource = string | PolicyFile | PolicyFile[] | { files: PolicyFile[] };

export interface CompiledPolicy {
  /** Content hash of the bundle (`sha256:…`): equal policies have equal versions. */
  readonly version: string;
  readonly bundle: PolicyBundle;
  /** Warnings found while loading (errors prevent loading). */
  readonly warnings: readonly Diagnostic[];
  evaluate(action: unknown, options?: EvaluateOptions): PolicyDecision;
}

export type LoadResult = { ok: true; policy: CompiledPolicy; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

function filesOf(source: PolicySource): PolicyFile[] {
  if (typeof source === 'string') return [{ path: '<policy>', text: source }];
  if (Array.isArray(source)) return source;
  if ('files' in source) return source.files;
  return [source];
}

export interface LoadOptions {
  /** Keep source positions even when the policy is valid (lint needs them for its findings). */
  positions?: boolean;
}

/** Parses, validates and compiles; never throws for bad input, returning its diagnostics instead. */
export function loadPolicy(source: PolicySource, options: LoadOptions = {}): LoadResult {
  const files = filesOf(source);
  if (options.positions !== true) {
    // Most policies are valid: read them fast, and read again with positions only to report problems.
    const fast = readSourcesFast(files);
    if (fast !== undefined) {
      const diagnostics: Diagnostic[] = [];
      const bundle = validateBundle(fast, diagnostics);
      if (bundle !== undefined && diagnostics.length === 0) return { ok: true, policy: fromBundle(bundle, diagnostics), diagnostics };
    }
  }
  const diagnostics: Diagnostic[] = [];
  const documents = readSources(files, diagnostics);
  // Files with YAML syntax errors are skipped, and the rest is still checked for a full report.
  const bundle = validateBundle(documents, diagnostics);
  if (bundle === undefined || diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { ok: false, diagnostics };
  return { ok: true, policy: fromBundle(bundle, diagnostics), diagnostics };
}

/** Like `loadPolicy`, but throws a `PolicyError` carrying every diagnostic. */
export function compilePolicy(source: PolicySource): CompiledPolicy {
  const result = loadPolicy(source);
  if (!result.ok) throw new PolicyError(result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error'));
  return result.policy;
}

function sortConditions(conditions: Condition[]): Condition[] {
  const key = (condition: Condition): string => `${condition.path}\u0000${condition.op}\u0000${canonicalJson(condition.value)}`;
  return [...conditions].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function policyVersion(bundle: PolicyBundle): string {
  // Where a rule came from is not part of what it means.
  const content = {
    ...bundle,
    // A match is a conjunction: the order its keys are written in does not change what it means.
    rules: bundle.rules.map(({ file: _file, ...rule }) => ({
      ...rule,
      match: sortConditions(rule.match),
      ...(rule.unless === undefined ? {} : { unless: sortConditions(rule.unless) }),
    })),
    workflows: Object.fromEntries(Object.entries(bundle.workflows).map(([name, { file: _file, ...workflow }]) => [name, workflow])),
  };
  return `sha256:${sha256Hex(canonicalJson(content))}`;
}

function fromBundle(bundle: PolicyBundle, diagnostics: Diagnostic[]): CompiledPolicy {
  const version = policyVersion(bundle);
  const compiled = compileBundle(bundle, version);
  return {
    version,
    bundle,
    warnings: diagnostics.filter((diagnostic) => diagnostic.severity === 'warning'),
    evaluate: (action, options) => evaluateBundle(compiled, action, options),
  };
}
