// How the demo's simulated agents, workers and people reach the server: the real HTTP API with
// their own keys and sessions. A session that ran out (the history spans days) is opened again,
// and a rate-limited call waits and is sent again, as a patient client would.

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

export type Call = <T = unknown>(method: string, path: string, body?: unknown) => Promise<Reply<T>>;

const RATE_LIMIT_RETRIES = 5;

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function send<T>(baseUrl: string, token: string, method: string, path: string, body: unknown): Promise<Reply<T>> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status === 429 && attempt < RATE_LIMIT_RETRIES) {
      await wait(Number(response.headers.get('retry-after') ?? '1') * 1000);
      continue;
    }
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }
}

/** A client for an agent's or a worker's API key. */
export function keyClient(baseUrl: string, key: string): Call {
  return (method, path, body) => send(baseUrl, key, method, path, body);
}

export interface PersonClient {
  call: Call;
  /** The person's user id, once signed in. */
  id(): Promise<string>;
}

/** A client signed in as a person by name and password, signing in again when the session has ended. */
export function personClient(baseUrl: string, name: string, password: string): PersonClient {
  let session: Promise<{ token: string; id: string }> | undefined;
  const signIn = async (): Promise<{ token: string; id: string }> => {
    const response = await fetch(`${baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, password }),
    });
    const body = (await response.json()) as { token?: string; user?: { id: string } };
    if (body.token === undefined || body.user === undefined) throw new Error(`${name} cannot sign in: ${JSON.stringify(body)}`);
    return { token: body.token, id: body.user.id };
  };
  const current = (): Promise<{ token: string; id: string }> => {
    session ??= signIn();
    session.catch(() => (session = undefined));
    return session;
  };
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
      const reply = await send<T>(baseUrl, (await current()).token, method, path, body);
      if (reply.status !== 401) return reply;
      session = undefined;
      return send<T>(baseUrl, (await current()).token, method, path, body);
    },
    async id() {
      return (await current()).id;
    },
  };
}
