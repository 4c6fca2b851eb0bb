// Settings of the commands that stand between an agent and Tollgate (`mcp-proxy`, `hook
// claude-code`): the server and API key from options or the environment, or a local policy.

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
