// Holds one tenant's live policy and swaps it whole on reload; a policy that fails to load is
// rejected with its diagnostics and the old one keeps serving (fail safe, DESIGN §3.3). A promoted
// (or pushed) policy stands in for the policy files, or the starter policy, until those change.

import { watch, type FSWatcher } from 'node:fs';
import { loadPolicy, type CompiledPolicy, type Diagnostic, type PolicyFile } from '@tollgate/core';
import { readPolicyFiles } from '../policy/load-files.js';
import { PolicyLoadError } from '../policy/policy-load-error.js';
import type { Clock } from '../util/clock.js';
import type { PolicyVersionSource } from '../stores/store.js';
import { secretsNamedBy } from '../config/tenant-secrets.js';

/**
 * What a tenant without a policy of its own is decided by until its admin pushes or promotes one:
 * nothing runs without a person's approval (fail closed, and no notification channel, so nothing
 * of the tenant's reaches anywhere it did not choose).
 */
export const STARTER_POLICY: PolicyFile = {
  path: 'starter.yaml',
  text: `# This tenant has no policy of its own yet: every action waits for one of its approvers.
# Its admin replaces this with \`tollgate policy push --tenant <tenant> <path>\` or the dashboard's Policy page.
defaults:
  decision: REQUIRE_APPROVAL
`,
};

export interface PolicyVersionInfo {
  version: string;
  loaded_at: number;
  files: PolicyFile[];
}

export type ReloadResult =
  { ok: true; version: string; changed: boolean; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

export class PolicyService {
  private policy: CompiledPolicy;
  private files: PolicyFile[];
  private readonly history: PolicyVersionInfo[] = [];
  private watcher: FSWatcher | undefined;
  private readonly listeners = new Set<(policy: CompiledPolicy) => void>();
  /** A promoted policy live in place of the files, and the file versions it stands in for. */
  private promoted: { version: string; replaces: ReadonlySet<string>; source: 'promoted' | 'pushed' } | undefined;
  /** The secrets the operator's policy files name (as last read): the operator granted those by writing them. */
  #fileSecrets: ReadonlySet<string> = new Set();

  private constructor(
    private readonly path: string | undefined,
    /** True for the starter policy of a tenant the operator serves no files for. */
    private readonly starter: boolean,
    files: PolicyFile[],
    policy: CompiledPolicy,
    private readonly clock: Clock,
  ) {
    this.files = files;
    this.policy = policy;
    if (!starter) this.#fileSecrets = namesOf(policy);
    this.history.push({ version: policy.version, loaded_at: clock.now(), files });
  }

  /** Loads the policy at `path` (or the given files); throws with diagnostics if it does not load. */
  static load(source: { path: string } | { files: PolicyFile[] }, clock: Clock): PolicyService {
    const files = 'path' in source ? readPolicyFiles(source.path) : source.files;
    const result = loadPolicy(files);
    if (!result.ok) throw new PolicyLoadError(result.diagnostics);
    return new PolicyService('path' in source ? source.path : undefined, false, files, result.policy, clock);
  }

  /** A tenant with no policy files: the starter policy until one is promoted or pushed. */
  static starter(clock: Clock): PolicyService {
    const result = loadPolicy([STARTER_POLICY]);
    if (!result.ok) throw new PolicyLoadError(result.diagnostics);
    return new PolicyService(undefined, true, [STARTER_POLICY], result.policy, clock);
  }

  /** The secrets named by the operator's policy files for this tenant. */
  fileSecrets(): ReadonlySet<string> {
    return this.#fileSecrets;
  }

  /** Where the live version came from. */
  source(): PolicyVersionSource {
    return this.promoted?.source ?? (this.starter ? 'starter' : 'files');
  }

  /** Whether policy files on disk (the operator's) back this policy, rather than the starter policy. */
  servedFromFiles(): boolean {
    return !this.starter;
  }

  current(): CompiledPolicy {
    return this.policy;
  }

  currentFiles(): PolicyFile[] {
    return this.files;
  }

  versions(): PolicyVersionInfo[] {
    return [...this.history];
  }

  onChange(listener: (policy: CompiledPolicy) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The version of the promoted policy standing in for the files, if one does. */
  promotedVersion(): string | undefined {
    return this.promoted?.version;
  }

  /**
   * Makes `files` live in place of the policy files: a promoted shadow policy, kept in the
   * database so every node and restart applies it. Reloads keep it while the files still hold one
   * of the versions it `replaces` (or its own); once the files hold anything else, they win again.
   */
  promote(files: PolicyFile[], replaces: readonly string[], source: 'promoted' | 'pushed' = 'promoted'): ReloadResult {
    return this.swap(files, { replaces: new Set(replaces), source });
  }

  /** Reloads from disk (or from the files given) and swaps the policy when it loads. */
  reload(files?: PolicyFile[]): ReloadResult {
    return this.swap(files, undefined);
  }

  /** Loads `files` (else the policy files) and swaps; `promotion` marks them a promotion. */
  private swap(
    files: PolicyFile[] | undefined,
    promotion: { replaces: ReadonlySet<string>; source: 'promoted' | 'pushed' } | undefined,
  ): ReloadResult {
    let candidate: PolicyFile[];
    try {
      candidate = files ?? (this.path === undefined ? this.files : readPolicyFiles(this.path));
    } catch (error) {
      return { ok: false, diagnostics: [{ code: 'policy.unreadable', message: String((error as Error).message), severity: 'error' }] };
    }
    const result = loadPolicy(candidate);
    if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
    if (files === undefined && !this.starter) this.#fileSecrets = namesOf(result.policy);
    const promoted = this.promoted;
    if (files === undefined && promoted !== undefined) {
      const read = result.policy.version;
      if (read === promoted.version || promoted.replaces.has(read))
        return { ok: true, version: this.policy.version, changed: false, warnings: result.diagnostics };
    }
    this.promoted = promotion === undefined ? undefined : { version: result.policy.version, ...promotion };
    const changed = result.policy.version !== this.policy.version;
    if (changed) {
      this.policy = result.policy;
      this.files = candidate;
      this.history.push({ version: result.policy.version, loaded_at: this.clock.now(), files: candidate });
      for (const listener of this.listeners) listener(result.policy);
    }
    return { ok: true, version: this.policy.version, changed, warnings: result.diagnostics };
  }

  /** Reloads when the policy file or folder changes (debounced: editors write in bursts). */
  watch(onResult: (result: ReloadResult) => void): void {
    if (this.path === undefined || this.watcher !== undefined) return;
    let timer: NodeJS.Timeout | undefined;
    this.watcher = watch(this.path, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => onResult(this.reload()), 150);
    });
    this.watcher.on('error', () => undefined);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

function namesOf(policy: CompiledPolicy): ReadonlySet<string> {
  return new Set(secretsNamedBy(policy.bundle).map((named) => named.name));
}

export { PolicyLoadError };
