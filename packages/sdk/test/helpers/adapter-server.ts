// The server an adapter test file runs against: started for the tests of the block it is called
// in, on the SDK tests' policy, with the approver alice, and a client of an agent of its own for
// each test, so that a test reads only its own actions.

import { afterAll, beforeAll } from 'vitest';
import { Tollgate } from '@tollgate/sdk';
import { POLICY } from '../policy.js';
import { startTollgate, type Approver, type TollgateServer } from './tollgate-server.js';

export interface AdapterServer {
  readonly server: TollgateServer;
  readonly alice: Approver;
  /** A client of a new agent, named `<prefix>-<n>`. */
  client(): Promise<{ tollgate: Tollgate; agent: string }>;
}

export function adapterServer(prefix: string): AdapterServer {
  let server: TollgateServer | undefined;
  let alice: Approver | undefined;
  let agents = 0;
  beforeAll(async () => {
    server = await startTollgate(POLICY);
    alice = await server.approver('alice');
  });
  afterAll(() => server?.close());
  return {
    get server() {
      return server!;
    },
    get alice() {
      return alice!;
    },
    async client() {
      const agent = `${prefix}-${++agents}`;
      return { tollgate: new Tollgate({ baseUrl: server!.url, apiKey: await server!.key(agent) }), agent };
    },
  };
}
