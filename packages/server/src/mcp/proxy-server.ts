// The MCP server the agent talks to: one client's session with one downstream server, every
// message relayed as it is (initialisation with both sides' capabilities, roots, sampling,
// elicitation, logging, progress, cancellation, resources, prompts, completions, list changes),
// except `tools/call`, gated as the action `{ action_type, capability: "mcp", server, arguments }` (DESIGN §7);
// where the policy allows it, the proxy asks the client's own user about a call (its own elicitation);
// with `--ask-tool`, it adds its own `ask_a_person` tool to the downstream's list and answers its calls.

import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  type CallToolResult,
  type ElicitResult,
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { userInfo } from 'node:os';
import { ASK_TOOL, ASK_TOOL_NAME, type AskTool } from './ask-tool.js';
import type { CallGate } from './call-gate.js';
import { answerOf, answersForms, elicitParams, type Ask } from './elicitation.js';

export function mcpAction(server: string, tool: string, args: Record<string, unknown> | undefined): Record<string, unknown> {
  return { action_type: tool, capability: 'mcp', server, arguments: args ?? {} };
}

/** The downstream answered a call with a JSON-RPC error: the client gets that error as it is. */
export class DownstreamError extends Error {
  constructor(readonly error: JSONRPCErrorResponse['error']) {
    super(error.message);
  }
}

/** The client cancelled a call the downstream was running. */
class CallCancelled extends Error {
  constructor() {
    super('the client cancelled the call while the downstream server ran it; it may have run in part');
  }
}

export interface ProxySessionOptions {
  /** `--name`, else the name the downstream reports when it initialises, else this. */
  name?: string | undefined;
  fallbackName: string;
  log: (line: string) => void;
  /** `--ask-tool`: the proxy's own tool, offered beside the downstream's. */
  askTool?: AskTool | undefined;
}

interface Waiting {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

/** A call the proxy holds: being decided, or forwarded and running downstream. */
interface Held {
  controller: AbortController;
  forwarded: boolean;
}

const isRequest = (message: JSONRPCMessage): message is JSONRPCRequest => 'method' in message && 'id' in message;
const isResponse = (
  message: JSONRPCMessage,
): message is Extract<JSONRPCMessage, { id?: RequestId }> & ({ result: unknown } | { error: unknown }) =>
  'result' in message || 'error' in message;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const toolKey = (name: string): string => name.trim().toLowerCase();

/** The downstream's `initialize` answer, declaring tools when it had none, so that the client lists the proxy's own. */
function withTools(message: JSONRPCMessage): JSONRPCMessage {
  const result = (message as { result: Record<string, unknown> }).result;
  const capabilities = isObject(result.capabilities) ? result.capabilities : {};
  if (capabilities.tools !== undefined) return message;
  return { ...message, result: { ...result, capabilities: { ...capabilities, tools: {} } } } as JSONRPCMessage;
}

/**
 * A page of the downstream's tools with `ask_a_person` first on the first page, and any tool of the
 * downstream by that name left out (its calls would reach the proxy's). A downstream without tools
 * answers the list with "method not found": the client gets the proxy's tool alone.
 */
function withAskTool(message: JSONRPCMessage, first: boolean): JSONRPCMessage {
  const id = (message as { id: RequestId }).id;
  if ('error' in message)
    return first && (message.error as { code?: unknown }).code === ErrorCode.MethodNotFound
      ? { jsonrpc: '2.0', id, result: { tools: [ASK_TOOL] } }
      : message;
  if (!('result' in message)) return message;
  const result = message.result as { tools?: unknown };
  const tools = (Array.isArray(result.tools) ? result.tools : []).filter(
    (tool: unknown) => !(isObject(tool) && typeof tool.name === 'string' && toolKey(tool.name) === ASK_TOOL_NAME),
  );
  return { ...message, result: { ...result, tools: first ? [ASK_TOOL, ...tools] : tools } };
}

/** The ids of the proxy's own requests to the downstream, apart from any the client uses. */
const OWN_ID = 'tollgate-mcp-proxy:';

export class ProxySession {
  /** Called once, when either side has closed and so has the other. */
  onclose?: () => void;
  private name: string | undefined;
  private initializeId: RequestId | undefined;
  /** The client's requests not answered yet, with their progress tokens. */
  private readonly open = new Map<RequestId, string | number | undefined>();
  private readonly progress = new Map<string | number, RequestId>();
  private readonly held = new Map<RequestId, Held>();
  /** Gated calls forwarded downstream, by id, waiting for the answer. */
  private readonly calls = new Map<RequestId, Waiting>();
  private readonly own = new Map<RequestId, Waiting>();
  private ownCount = 0;
  /** The proxy's own questions to the client (elicitation), by id, waiting for the answer. */
  private readonly asking = new Map<RequestId, Waiting>();
  /** Set from `initialize` when the client can answer forms: who to name as having answered. */
  private clientUser: string | undefined;
  private tools: Promise<Set<string>> | undefined;
  /** The client's `tools/list` requests (with `--ask-tool`), and whether each is for the first page, which gets the proxy's own tool. */
  private readonly listing = new Map<RequestId, boolean>();
  private closed = false;

  constructor(
    private readonly upstream: Transport,
    private readonly downstream: Transport,
    private readonly gate: CallGate,
    private readonly options: ProxySessionOptions,
  ) {
    this.name = options.name;
  }

  /** Starts relaying; the downstream transport is already started (it speaks only when spoken to). */
  async start(): Promise<void> {
    this.downstream.onmessage = (message) => this.fromServer(message);
    this.downstream.onclose = () => {
      if (!this.closed) this.options.log('tollgate mcp-proxy: the downstream MCP server exited');
      void this.close();
    };
    this.downstream.onerror = (error) => this.options.log(`tollgate mcp-proxy: the downstream server: ${error.message}`);
    this.upstream.onmessage = (message) => this.fromClient(message);
    this.upstream.onclose = () => void this.close();
    this.upstream.onerror = (error) => this.options.log(`tollgate mcp-proxy: the client: ${error.message}`);
    await this.upstream.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { controller } of this.held.values()) controller.abort();
    const gone = new Error('the downstream MCP server closed');
    for (const waiting of [...this.calls.values(), ...this.own.values(), ...this.asking.values()]) waiting.reject(gone);
    await Promise.allSettled([this.upstream.close(), this.downstream.close()]);
    this.onclose?.();
  }

  private fromClient(message: JSONRPCMessage): void {
    const asked = isResponse(message) && message.id !== undefined ? this.asking.get(message.id) : undefined;
    if (asked !== undefined) {
      this.asking.delete((message as { id: RequestId }).id);
      if ('error' in message)
        asked.reject(
          new Error(`the MCP client did not answer the approval form: ${(message.error as { message?: string }).message ?? 'an error'}`),
        );
      else asked.resolve((message as { result: Record<string, unknown> }).result);
      return;
    }
    if (isRequest(message)) {
      const token = isObject(message.params?._meta) ? message.params._meta.progressToken : undefined;
      this.open.set(message.id, typeof token === 'string' || typeof token === 'number' ? token : undefined);
      if (typeof token === 'string' || typeof token === 'number') this.progress.set(token, message.id);
      if (message.method === 'initialize') {
        this.initializeId = message.id;
        this.clientUser = answersForms(message.params?.capabilities) ? clientUser(message.params?.clientInfo) : undefined;
      }
      const askTool = this.options.askTool;
      if (askTool !== undefined && message.method === 'tools/list') this.listing.set(message.id, message.params?.cursor === undefined);
      if (message.method === 'tools/call') {
        const name = message.params?.name;
        // Never forwarded: the downstream's own tool of that name, if any, is hidden from the client.
        if (askTool !== undefined && typeof name === 'string' && toolKey(name) === ASK_TOOL_NAME)
          return void this.askPerson(message, askTool);
        return void this.gated(message);
      }
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId as RequestId | undefined;
      // A cancelled request is never answered.
      if (requestId !== undefined) {
        this.forget(requestId);
        this.listing.delete(requestId);
      }
      const held = requestId === undefined ? undefined : this.held.get(requestId);
      if (held !== undefined) {
        held.controller.abort();
        // A call still being decided never reached the downstream: there is nothing to tell it.
        if (!held.forwarded) return;
      }
    }
    void this.toServer(message);
  }

  private fromServer(message: JSONRPCMessage): void {
    if (isResponse(message) && message.id !== undefined) {
      const waiting = this.own.get(message.id) ?? this.calls.get(message.id);
      if (waiting !== undefined) {
        this.own.delete(message.id);
        this.calls.delete(message.id);
        if ('error' in message) waiting.reject(new DownstreamError(message.error as JSONRPCErrorResponse['error']));
        else waiting.resolve(message.result as Record<string, unknown>);
        return;
      }
      if (message.id === this.initializeId && 'result' in message) {
        const info = (message.result as { serverInfo?: { name?: unknown } }).serverInfo;
        if (this.name === undefined && typeof info?.name === 'string') this.name = info.name;
        if (this.options.askTool !== undefined) return void this.toClient(withTools(message));
      }
      const first = this.listing.get(message.id);
      if (first !== undefined) {
        this.listing.delete(message.id);
        return void this.toClient(withAskTool(message, first));
      }
    } else if ('method' in message && message.method === 'notifications/tools/list_changed') {
      this.tools = undefined;
    }
    void this.toClient(message);
  }

  /** Decides a `tools/call`, then forwards it with the arguments as approved, or answers the refusal. */
  private async gated(request: JSONRPCRequest): Promise<void> {
    const params = isObject(request.params) ? request.params : {};
    const name = params.name;
    const args = isObject(params.arguments) ? params.arguments : undefined;
    const held: Held = { controller: new AbortController(), forwarded: false };
    const { signal } = held.controller;
    this.held.set(request.id, held);
    try {
      // A tool the downstream does not offer runs nothing: its own answer (an error) is passed on.
      if (typeof name !== 'string' || !(await this.offers(name))) {
        held.forwarded = true;
        return void (await this.toServer(request));
      }
      const result = await this.gate.call(
        mcpAction(this.name ?? this.options.fallbackName, name, args),
        (approved) => {
          held.forwarded = true;
          return this.callServer(request, approved, signal);
        },
        signal,
        this.asker(request.id),
      );
      if (!signal.aborted) await this.toClient({ jsonrpc: '2.0', id: request.id, result });
    } catch (error) {
      // A cancelled request gets no answer (the client stopped waiting for one).
      if (signal.aborted) return;
      const reply =
        error instanceof DownstreamError
          ? error.error
          : { code: ErrorCode.InternalError, message: `tollgate mcp-proxy: ${(error as Error).message}` };
      await this.toClient({ jsonrpc: '2.0', id: request.id, error: reply });
    } finally {
      this.held.delete(request.id);
    }
  }

  /** Answers a call of `ask_a_person`: the question goes to Tollgate, and the answer (or "still waiting") to the client. */
  private async askPerson(request: JSONRPCRequest, askTool: AskTool): Promise<void> {
    const args = isObject(request.params?.arguments) ? request.params.arguments : {};
    const held: Held = { controller: new AbortController(), forwarded: false };
    const { signal } = held.controller;
    this.held.set(request.id, held);
    try {
      const result = await askTool.call(args, signal);
      if (!signal.aborted) await this.toClient({ jsonrpc: '2.0', id: request.id, result });
    } catch (error) {
      // A cancelled call gets no answer; a question already asked stays for a person, and the retry resumes it.
      if (signal.aborted) return;
      await this.toClient({
        jsonrpc: '2.0',
        id: request.id,
        error: { code: ErrorCode.InternalError, message: `tollgate mcp-proxy: ${(error as Error).message}` },
      });
    } finally {
      this.held.delete(request.id);
    }
  }

  /** How the gate asks the client's user about this call: over the call's own stream, if the client can answer forms. */
  private asker(callId: RequestId): Ask | undefined {
    const user = this.clientUser;
    if (user === undefined) return undefined;
    return (question, signal) =>
      new Promise((resolve, reject) => {
        const id = `${OWN_ID}elicit:${++this.ownCount}`;
        const stop = (): void => {
          if (!this.asking.delete(id)) return;
          // The call was cancelled while the form was open: the client may close it.
          void this.upstream.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } }).catch(() => undefined);
          reject(new CallCancelled());
        };
        this.asking.set(id, {
          resolve: (result) => {
            signal?.removeEventListener('abort', stop);
            resolve(answerOf(result as ElicitResult, user));
          },
          reject,
        });
        signal?.addEventListener('abort', stop, { once: true });
        const message: JSONRPCRequest = { jsonrpc: '2.0', id, method: 'elicitation/create', params: elicitParams(question) };
        this.upstream.send(message, { relatedRequestId: callId }).catch((error: unknown) => {
          this.asking.delete(id);
          reject(error as Error);
        });
      });
  }

  private callServer(request: JSONRPCRequest, args: Record<string, unknown> | undefined, signal: AbortSignal): Promise<CallToolResult> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new CallCancelled());
      this.calls.set(request.id, { resolve: (result) => resolve(result as CallToolResult), reject });
      signal.addEventListener(
        'abort',
        () => {
          this.calls.delete(request.id);
          reject(new CallCancelled());
        },
        { once: true },
      );
      const { arguments: _original, ...rest } = isObject(request.params) ? request.params : {};
      this.toServer({ ...request, params: args === undefined ? rest : { ...rest, arguments: args } }).catch(reject);
    });
  }

  /**
   * Whether the downstream lists the tool, asking it again when the name is not in the last list.
   * Names are compared as a lenient server might take them (case, spaces around), so that a name
   * written another way is gated too, not passed on as unknown.
   */
  private async offers(name: string): Promise<boolean> {
    const key = toolKey(name);
    if (this.tools !== undefined && (await this.tools).has(key)) return true;
    const listing = (this.tools = this.listTools());
    listing.catch(() => {
      if (this.tools === listing) this.tools = undefined;
    });
    return (await listing).has(key);
  }

  private async listTools(): Promise<Set<string>> {
    const names = new Set<string>();
    let cursor: unknown;
    do {
      const page = (await this.request('tools/list', cursor === undefined ? {} : { cursor })) as {
        tools?: { name?: unknown }[];
        nextCursor?: unknown;
      };
      for (const tool of page.tools ?? []) if (typeof tool.name === 'string') names.add(toolKey(tool.name));
      cursor = page.nextCursor;
    } while (typeof cursor === 'string');
    return names;
  }

  private request(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = `${OWN_ID}${++this.ownCount}`;
    return new Promise((resolve, reject) => {
      this.own.set(id, { resolve, reject });
      this.toServer({ jsonrpc: '2.0', id, method, params }).catch((error: unknown) => {
        this.own.delete(id);
        reject(error as Error);
      });
    });
  }

  /** Forgets an open request of the client; false when it was not open (answered, or cancelled). */
  private forget(id: RequestId): boolean {
    if (!this.open.has(id)) return false;
    const token = this.open.get(id);
    this.open.delete(id);
    if (token !== undefined) this.progress.delete(token);
    return true;
  }

  private async toServer(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    await this.downstream
      .send(message)
      .catch((error: unknown) => this.options.log(`tollgate mcp-proxy: cannot reach the downstream server: ${(error as Error).message}`));
  }

  /**
   * Over HTTP a message goes on the stream of the request it belongs to: an answer by its id,
   * progress by its token, anything else the downstream says to the one request then open (the
   * call that is asking for a sample or an elicitation); with none or several, the session's own stream.
   */
  private async toClient(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    let relatedRequestId: RequestId | undefined;
    if (isResponse(message) && message.id !== undefined) {
      // The answer to a request the client cancelled: it waits for none (and over HTTP its stream is gone).
      if (!this.forget(message.id)) return;
    } else if ('method' in message && message.method === 'notifications/progress') {
      const token = message.params?.progressToken;
      relatedRequestId = typeof token === 'string' || typeof token === 'number' ? this.progress.get(token) : undefined;
    } else if (this.open.size === 1) {
      relatedRequestId = this.open.keys().next().value;
    }
    await this.upstream
      .send(message, relatedRequestId === undefined ? undefined : { relatedRequestId })
      .catch((error: unknown) => this.options.log(`tollgate mcp-proxy: cannot reach the client: ${(error as Error).message}`));
  }
}

/** Who answers in the client, as far as the proxy can tell: the account it runs as, and the client's name. */
function clientUser(info: unknown): string {
  const name = isObject(info) && typeof info.name === 'string' ? info.name : 'the MCP client';
  let account = 'unknown user';
  try {
    account = userInfo().username;
  } catch {
    // No account name on this system: the client's name still says where the answer came from.
  }
  return `${account} (${name})`;
}
