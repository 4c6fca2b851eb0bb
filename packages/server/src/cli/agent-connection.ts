// The connection options `mcp-proxy` and `hook claude-code` share: `--server URL --key K` to ask a
// Tollgate server, or `--policy PATH` to decide locally; a wrong combination names the flags.

import { Option, type Command } from 'commander';
import { Tollgate, type TollgateOptions } from '@tollgate/sdk';
import { agentConfig } from '../config/agent-config.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../config/config.js';
import { LocalDecider } from '../policy/local-decider.js';
import { UsageError } from './input.js';

export interface ConnectionOptions {
  server?: string;
  key?: string;
  policy?: string;
  wait?: number;
}

/** `options` are the client's, for a door that needs a client of its own kind (the MCP proxy's). */
export type Connection = { kind: 'remote'; tollgate: Tollgate; options: TollgateOptions } | { kind: 'local'; decider: LocalDecider };

export function seconds(name: string, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > max)
      throw new UsageError(`${name} must be a number of seconds from 0 to ${max}, not \`${value}\``);
    return parsed;
  };
}

export function connectionOptions(command: Command, defaultWait: number): Command {
  return command
    .option('--server <url>', `Tollgate server (or TOLLGATE_URL; default http://${DEFAULT_HOST}:${DEFAULT_PORT})`)
    .option('--key <key>', "the agent's API key (or TOLLGATE_API_KEY)")
    .option('--policy <path>', 'decide locally with this policy file or folder instead of a server')
    .addOption(
      new Option('--wait <seconds>', `how long to wait for people on each call (default ${defaultWait})`).argParser(
        seconds('--wait', 3600),
      ),
    );
}

export function connect(options: ConnectionOptions): Connection {
  if (options.policy !== undefined && (options.server !== undefined || options.key !== undefined))
    throw new UsageError('give either --policy (decide locally) or --server and --key (ask a Tollgate server), not both');
  const config = agentConfig(options);
  if (config.policy !== undefined) return { kind: 'local', decider: LocalDecider.load(config.policy) };
  if (config.key === undefined || config.key === '')
    throw new UsageError(
      '--key is required (or TOLLGATE_API_KEY; create one with `tollgate keys create --agent NAME`), or --policy PATH to decide locally',
    );
  const server = config.server ?? `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;
  try {
    const client: TollgateOptions = { baseUrl: server, apiKey: config.key };
    return { kind: 'remote', tollgate: new Tollgate(client), options: client };
  } catch (error) {
    throw new UsageError(`--server ${(error as Error).message.replace(/^`baseUrl` /, '')}: \`${server}\``);
  }
}
