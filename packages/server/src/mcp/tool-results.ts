// The MCP results the proxy makes itself (a refusal, a pending approval) and the summary of a
// downstream result that is reported to Tollgate as the action's outcome.

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A tool error the model reads: the call did not run, and why. */
export function refusal(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** The text of a result, for a person skimming the outcome. */
export function summary(result: CallToolResult, max = 2000): string {
  // A call run as a task answers with the task, not content: there is no text to show yet.
  const text = (Array.isArray(result.content) ? result.content : [])
    .map((part) => (part.type === 'text' ? part.text : `[${part.type}]`))
    .join('\n')
    .trim();
  const detail = text === '' ? (result.isError === true ? 'the tool reported an error' : 'done') : text;
  return detail.length <= max ? detail : `${detail.slice(0, max - 1)}…`;
}
