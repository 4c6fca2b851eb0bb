// Settings of the commands that stand between an agent and Tollgate (`mcp-proxy`, `hook
// claude-code`): the server and API key from options or the environment, or a local policy.

import { homeDir } from './client-config.js';

type Env = Record<string, string | undefined>;

export interface AgentConfig {
  server: string | undefined;
  key: string | undefined;
  policy: string | undefined;
}

/** `--server`/TOLLGATE_URL (or TOLLGATE_SERVER), `--key`/TOLLGATE_API_KEY, `--policy`; the environment never picks local mode. */
export function agentConfig(options: { server?: string; key?: string; policy?: string }, env: Env = process.env): AgentConfig {
  const local = options.policy !== undefined;
  return {
    server: options.server ?? (local ? undefined : env.TOLLGATE_URL || env.TOLLGATE_SERVER),
    key: options.key ?? (local ? undefined : env.TOLLGATE_API_KEY),
    policy: options.policy,
  };
}

/** Where Claude Code's settings are: the project it runs in (CLAUDE_PROJECT_DIR, which it sets for hooks) and the user's home. */
export function claudeCodeDirs(env: Env = process.env): { projectDir: string | undefined; home: string } {
  return { projectDir: env.CLAUDE_PROJECT_DIR || undefined, home: homeDir(env) };
}
