// Cross-process events on PostgreSQL: LISTEN on one dedicated connection, NOTIFY through the
// pool. Every node of a deployment on one database (and schema) hears the others' events.

import { userInfo } from 'node:os';
import pg from 'pg';

const MAX_PAYLOAD = 7900; // PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
const RECONNECT_MS = 1000;

export interface EventChannel {
  publish(payload: string): Promise<void>;
  /** Calls `handler` with every payload published by any node, until stopped. */
  subscribe(handler: (payload: string) => void): Promise<() => Promise<void>>;
}

function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.host === '' || pg.defaults.user) return url;
  parsed.username = userInfo().username;
  return parsed.toString();
}

export class PostgresEventChannel implements EventChannel {
  private readonly channel: string;

  constructor(
    private readonly url: string,
    private readonly notify: (channel: string, payload: string) => Promise<void>,
    schema: string | undefined,
  ) {
    // One channel per schema, so that deployments sharing a database do not hear each other.
    this.channel = `tollgate_events_${schema ?? 'public'}`;
  }

  async publish(payload: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) return;
    await this.notify(this.channel, payload);
  }

  async subscribe(handler: (payload: string) => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: withDefaultUser(this.url) });
      next.on('notification', (message) => {
        if (message.channel === this.channel && message.payload !== undefined) handler(message.payload);
      });
      // A dropped connection is reopened: events sent meanwhile are missed, which long-polls and
      // timers tolerate (they also re-read the database), but live views may need a refresh.
      next.on('error', () => {
        if (stopped) return;
        void next.end().catch(() => undefined);
        retry = setTimeout(() => void connect().catch(() => undefined), RECONNECT_MS);
      });
      await next.connect();
      await next.query(`LISTEN ${this.channel}`);
      client = next;
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }
}
