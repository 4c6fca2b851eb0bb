// How the proxy decides a `tools/call`: through a Tollgate server (waiting for people, running once
// with the grant, reporting the outcome after the client has its answer) or locally with the
// kernel, where nobody can be asked.

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { actionDigestOf, elicitationAllows } from '@tollgate/core';
import { OutcomeNotReported, TollgateSdkError, ToolGate, type ActionView } from '@tollgate/sdk';
import { reasonText, type LocalDecider } from '../policy/local-decider.js';
import type { Answer, Ask, Question } from './elicitation.js';
import type { QueuedReports } from './outcome-reports.js';
import { refusal, summary } from './tool-results.js';

/** Runs `forward` (the downstream call, with the arguments as approved) if the action may go ahead. */
export interface CallGate {
  call(
    action: Record<string, unknown>,
    forward: (args: Record<string, unknown> | undefined) => Promise<CallToolResult>,
    signal?: AbortSignal,
    /** Asks the client's own user, when the client can and the policy lets them answer. */
    ask?: Ask,
  ): Promise<CallToolResult>;
  /** Resolves once the outcome reports still being sent are sent, or given up on (and logged). */
  settle(): Promise<void>;
}

function approvedArguments(approved: Record<string, unknown>): Record<string, unknown> | undefined {
  const args = approved.arguments;
  return typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : undefined;
}

/**
 * The client gets the downstream's answer as soon as it comes: the SDK's run goes on to report the
 * outcome (queued until the proxy is quiet, retrying a server that is briefly away), so an allowed
 * call costs one round trip to Tollgate. Runs still reporting are kept, so that shutting down waits for them.
 */
export function remoteGate(tollgate: QueuedReports, wait: number, log: (line: string) => void): CallGate {
  const gate = new ToolGate(tollgate, { wait });
  const reporting = new Set<Promise<void>>();
  return {
    call(action, forward, signal, ask) {
      const done = tollgate.reports.begin();
      return new Promise<CallToolResult>((resolve, reject) => {
        let answered = false;
        const answer = (settle: () => void): void => {
          if (answered) return;
          answered = true;
          done();
          settle();
        };
        const run = gate.call(
          action,
          async (approved) => {
            try {
              const result = await forward(approvedArguments(approved));
              answer(() => resolve(result));
              return result;
            } catch (error) {
              answer(() => reject(error));
              throw error;
            }
          },
          {
            ...(signal === undefined ? {} : { signal }),
            ...(ask === undefined ? {} : { onPending: (view: ActionView) => askInClient(tollgate, view, ask, log, signal) }),
            outcome: (result) => ({ status: result.isError === true ? 'failed' : 'succeeded', detail: summary(result) }),
          },
        );
        const tracked: Promise<void> = run
          .then(
            () => undefined,
            (error: unknown) => {
              if (!answered && error instanceof TollgateSdkError) return answer(() => resolve(refusal(`Tollgate: ${error.message}`)));
              if (!answered) return answer(() => reject(error));
              if (error instanceof OutcomeNotReported) log(`tollgate mcp-proxy: ${error.message}`);
            },
          )
          .finally(() => reporting.delete(tracked));
        reporting.add(tracked);
      });
    },
    async settle() {
      await tollgate.reports.close();
      while (reporting.size > 0) await Promise.allSettled([...reporting]);
    },
  };
}

/**
 * Asks the client's user about a request whose rule allows it, and records their answer as their
 * vote; the wait that follows finds the request decided. Without an answer (cancelled), or when
 * the server refuses it, the call waits for people as it would have.
 */
async function askInClient(tollgate: QueuedReports, view: ActionView, ask: Ask, log: (line: string) => void, signal?: AbortSignal) {
  if (view.elicitation !== 'allowed') return;
  const reasons = view.reasons.map((reason) => reason.reason).join('; ');
  const answer = await askSafely(ask, { action: view.action, digest: view.digest, risk: view.risk, reasons }, log, signal);
  if (answer.verdict === 'none') return;
  const { verdict, user, note } = answer;
  try {
    await tollgate.recordElicitedVote(view.id, { verdict, digest: view.digest, user, ...(note === undefined ? {} : { note }) }, signal);
  } catch (error) {
    log(`tollgate mcp-proxy: the answer from the MCP client was not recorded, waiting for people instead: ${(error as Error).message}`);
  }
}

/** A client that fails to answer the form (an error, gone) answers nothing; a cancelled call stays cancelled. */
async function askSafely(ask: Ask, question: Question, log: (line: string) => void, signal?: AbortSignal): Promise<Answer> {
  try {
    return await ask(question, signal);
  } catch (error) {
    if (signal?.aborted === true) throw error;
    log(`tollgate mcp-proxy: ${(error as Error).message}`);
    return { verdict: 'none' };
  }
}

export function localGate(decider: LocalDecider, log: (line: string) => void): CallGate {
  return {
    async call(action, forward, signal, ask) {
      const decision = decider.decide(action);
      switch (decision.decision) {
        case 'ALLOW':
        case 'REVIEW':
          return forward(approvedArguments(action));
        case 'DENY':
          return refusal(`Tollgate: denied by the policy: ${reasonText(decision)}`);
        case 'REQUIRE_APPROVAL': {
          if (ask !== undefined && elicitationAllows(decision.route, decision.risk)) {
            const digest = actionDigestOf(action);
            const answer = await askSafely(
              ask,
              { action, digest, risk: decision.risk ?? null, reasons: reasonText(decision) },
              log,
              signal,
            );
            const tool = `\`${String(action.action_type)}\` on \`${String(action.server)}\``;
            if (answer.verdict === 'approve') {
              log(
                `tollgate mcp-proxy: ${answer.user} approved ${tool} (${digest}) in the MCP client${answer.note === undefined ? '' : `: ${answer.note}`}`,
              );
              return forward(approvedArguments(action));
            }
            if (answer.verdict === 'deny') {
              log(
                `tollgate mcp-proxy: ${answer.user} denied ${tool} (${digest}) in the MCP client${answer.note === undefined ? '' : `: ${answer.note}`}`,
              );
              return refusal(`Tollgate: denied in the MCP client by ${answer.user}${answer.note === undefined ? '' : `: ${answer.note}`}`);
            }
          }
          return refusal(
            `Tollgate: this call needs a person's approval (${reasonText(decision)}), and with a local --policy there is nobody to ask; it was not run`,
          );
        }
      }
    },
    settle: () => Promise.resolve(),
  };
}
