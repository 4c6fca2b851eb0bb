// The connection `mcp-proxy` and `hook claude-code` share: `--server URL --key K` to ask a Tollgate
// server, or `--policy PATH` to decide locally; a wrong combination names the flags. Kept free of
// the argument parser and the policy kernel, which the local mode alone loads, so the hook starts fast.

import { Tollgate, type FetchLike } from '@tollgate/sdk';
import { agentConfig } from '../config/agent-config.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../config/client-config.js';
import type { LocalDecider } from '../policy/local-decider.js';
import { UsageError } from './input.js';
import type { OptionSpec } from './lean-args.js';

export interface ConnectionOptions {
  server?: string;
  key?: string;
  policy?: string;
  wait?: number;
}

export type Connection = { kind: 'remote'; tollgate: Tollgate } | { kind: 'local'; decider: LocalDecider };

export function seconds(name: string, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > max)
      throw new UsageError(`${name} must be a number of seconds from 0 to ${max}, not \`${value}\``);
    return parsed;
  };
}

export function connectionSpecs(defaultWait: number): OptionSpec[] {
  return [
    { flags: '--server <url>', description: `Tollgate server (or TOLLGATE_URL; default http://${DEFAULT_HOST}:${DEFAULT_PORT})` },
    { flags: '--key <key>', description: "the agent's API key (or TOLLGATE_API_KEY)" },
    { flags: '--policy <path>', description: 'decide locally with this policy file or folder instead of a server' },
    {
      flags: '--wait <seconds>',
      description: `how long to wait for people on each call (default ${defaultWait})`,
      parse: seconds('--wait', 3600),
    },
  ];
}

export async function connect(options: ConnectionOptions, http: { fetch?: FetchLike } = {}): Promise<Connection> {
  if (options.policy !== undefined && (options.server !== undefined || options.key !== undefined))
    throw new UsageError('give either --policy (decide locally) or --server and --key (ask a Tollgate server), not both');
  const config = agentConfig(options);
  if (config.policy !== undefined) {
    const { LocalDecider } = await import('../policy/local-decider.js');
    return { kind: 'local', decider: LocalDecider.load(config.policy) };
  }
  if (config.key === undefined || config.key === '')
    throw new UsageError(
      '--key is required (or TOLLGATE_API_KEY; create one with `tollgate keys create --agent NAME`), or --policy PATH to decide locally',
    );
  const server = config.server ?? `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;
  try {
    return { kind: 'remote', tollgate: new Tollgate({ baseUrl: server, apiKey: config.key, ...http }) };
  } catch (error) {
    throw new UsageError(`--server ${(error as Error).message.replace(/^`baseUrl` /, '')}: \`${server}\``);
  }
}
