// A local stand-in for the Anthropic Messages API (POST /v1/messages, streamed as server-sent
// events or answered whole), playing a script: each request that offers tools gets the next step,
// a tool call or a text; what Claude Code sends back (the tool results) is kept for the test.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Step =
  { tool: string; input: Record<string, unknown>; before?: () => Promise<void> } | { text: string; before?: () => Promise<void> };

export interface ToolResult {
  tool_use_id: string;
  text: string;
  is_error: boolean;
}

export interface StandIn {
  url: string;
  /** The tool results Claude Code sent back, in order. */
  results: ToolResult[];
  close(): Promise<void>;
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function resultsIn(body: { messages?: { role: string; content: unknown }[] }): ToolResult[] {
  const last = body.messages?.at(-1);
  if (last?.role !== 'user' || !Array.isArray(last.content)) return [];
  return (last.content as { type?: string; tool_use_id?: string; content?: unknown; is_error?: boolean }[])
    .filter((block) => block.type === 'tool_result')
    .map((block) => ({
      tool_use_id: block.tool_use_id ?? '',
      text:
        typeof block.content === 'string'
          ? block.content
          : Array.isArray(block.content)
            ? (block.content as { text?: string }[]).map((part) => part.text ?? '').join('')
            : '',
      is_error: block.is_error === true,
    }));
}

function answer(res: ServerResponse, model: string, blocks: Block[], stream: boolean): void {
  const id = `msg_standin_${Date.now()}`;
  const stop = blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 10, output_tokens: 5 };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ id, type: 'message', role: 'assistant', model, content: blocks, stop_reason: stop, stop_sequence: null, usage }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  event('message_start', {
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage },
  });
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } });
  event('message_stop', {});
  res.end();
}

export async function startStandIn(script: Step[]): Promise<StandIn> {
  const results: ToolResult[] = [];
  let next = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: 10 }));
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not here' } }));
      return;
    }
    const body = JSON.parse(text) as {
      model: string;
      stream?: boolean;
      tools?: unknown[];
      messages?: { role: string; content: unknown }[];
    };
    results.push(...resultsIn(body));
    // Requests without tools (a title, a summary) are not the conversation: they get a short text.
    const step = (body.tools ?? []).length > 0 ? script[next++] : undefined;
    await step?.before?.();
    const blocks: Block[] =
      step === undefined || 'text' in step
        ? [{ type: 'text', text: step?.text ?? 'ok' }]
        : [{ type: 'tool_use', id: `toolu_standin_${next}_${Date.now()}`, name: step.tool, input: step.input }];
    answer(res, body.model, blocks, body.stream === true);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    results,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
