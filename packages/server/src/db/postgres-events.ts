// Cross-process events on PostgreSQL: LISTEN on one dedicated connection, NOTIFY through the
// pool. Every node of a deployment on one database (and schema) hears the others' events.

import { userInfo } from 'node:os';
import pg from 'pg';
import { CONNECT_TIMEOUT_MS } from './connect-postgres.js';

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
    // Tries again every RECONNECT_MS for as long as the database stays away (a restart takes
    // seconds, a failover longer); one timer at a time, whatever reported the loss.
    const reconnectLater = (): void => {
      if (stopped || retry !== undefined) return;
      retry = setTimeout(() => {
        retry = undefined;
        connect().catch(reconnectLater);
      }, RECONNECT_MS);
    };
    const connect = async (): Promise<void> => {
      const next = new pg.Client({
        connectionString: withDefaultUser(this.url),
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        keepAlive: true,
      });
      let lost = false;
      // A dropped connection is reopened: events sent meanwhile are missed, which long-polls and
      // timers tolerate (they also re-read the database), but live views may need a refresh.
      // pg reports a drop as `error` (the server ended it) or only `end` (the socket closed).
      const onLost = (): void => {
        if (lost) return;
        lost = true;
        if (client === next) client = undefined;
        void next.end().catch(() => undefined);
        reconnectLater();
      };
      next.on('error', onLost);
      next.on('end', onLost);
      next.on('notification', (message) => {
        if (message.channel === this.channel && message.payload !== undefined) handler(message.payload);
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${this.channel}`);
      } catch (error) {
        onLost();
        throw error;
      }
      if (stopped) {
        await next.end().catch(() => undefined);
        return;
      }
      client = next;
    };
    try {
      await connect();
    } catch (error) {
      // At start-up a database that cannot be reached is an error the caller reports.
      stopped = true;
      clearTimeout(retry);
      throw error;
    }
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }
}
