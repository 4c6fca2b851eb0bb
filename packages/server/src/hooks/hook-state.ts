// What the hook remembers between its runs, one small file per entry: the action of a call that
// is still waiting for people (so Claude's retry of the same call resumes it), and the action of
// each allowed call (so PostToolUse can report its outcome).

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '@tollgate/sdk';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class HookState {
  constructor(private readonly folder: string) {}

  /** The same tool with the same input in the same session is the same call. */
  static callKey(session: string, tool: string, input: Record<string, unknown>): string {
    return `pending-${sha256Hex(canonicalJson([session, tool, input]))}`;
  }

  static useKey(toolUseId: string): string {
    return `use-${sha256Hex(toolUseId)}`;
  }

  get(key: string): string | undefined {
    try {
      const entry = JSON.parse(readFileSync(join(this.folder, `${key}.json`), 'utf8')) as { action_id?: unknown };
      return typeof entry.action_id === 'string' ? entry.action_id : undefined;
    } catch {
      return undefined;
    }
  }

  set(key: string, actionId: string): void {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    // Write then rename, so a concurrent run never reads half a file.
    const temporary = join(this.folder, `${key}.${process.pid}.tmp`);
    writeFileSync(temporary, JSON.stringify({ action_id: actionId, at: new Date().toISOString() }));
    renameSync(temporary, join(this.folder, `${key}.json`));
  }

  delete(key: string): void {
    rmSync(join(this.folder, `${key}.json`), { force: true });
  }
}
