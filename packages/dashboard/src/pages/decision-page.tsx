// One approval request, what Tollgate knows first: the action type, environment, agent, risk and
// the fields that decide or weigh with their actual values, with a warning where the agent's words
// disagree; then the agent's summary and reasoning, quoted as its own; then why it needs approval,
// what to check, the context, diff and dry run the agent sent, precedent, the workflow's stages,
// full details on request, and the quick actions.

import { useRef, useState } from 'preact/hooks';
import { get } from '../api/client.js';
import { useLive } from '../api/live.js';
import type { ApprovalDetail, Me, Step } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import {
  AgentWordsSection,
  AnalysisSection,
  CriteriaSection,
  FromAgent,
  KeyContextSection,
  NotSentLine,
  PrecedentSection,
  RiskSection,
  SimulationSection,
} from '../decision/context-sections.js';
import { DiffView } from '../decision/diff-view.js';
import { FactsSection } from '../decision/facts-section.js';
import { QuickActions, type Outcome } from '../decision/quick-actions.js';
import { StagesSection } from '../decision/stages.js';
import { diffFiles } from '../lib/diff.js';
import { shown, shownLines } from '../lib/shown.js';
import { text } from '../lib/summary.js';
import { timeLeft } from '../lib/time.js';
import { useNow } from '../lib/use-now.js';
import { canDecide, useMe } from '../session.js';
import { RiskBadge, StatusBadge } from '../ui/badges.js';
import { CodeText } from '../ui/code-text.js';
import { Link } from '../ui/link.js';
import { ErrorNotice, Loading } from '../ui/notice.js';

/** The open stage this person may vote on: routed to them, or open to them by name or group. */
function myStep(approval: ApprovalDetail, me: Me): Step | undefined {
  const open = approval.steps.filter((step) => step.type === 'approval' && step.status === 'active');
  return (
    open.find((step) => (step.assignees ?? []).includes(me.id)) ??
    open.find((step) => (step.approvers ?? []).some((who) => who === me.name || who === me.id || me.groups.includes(who)))
  );
}

export function DecisionPage(props: { id: string }) {
  const me = useMe();
  const now = useNow();
  const detail = useResource(() => get<ApprovalDetail>(`/v1/approvals/${encodeURIComponent(props.id)}`), [props.id]);
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);
  const banner = useRef<HTMLDivElement>(null);
  useLive(
    ['approval.voted', 'approval.decided', 'approval.timed_out', 'approval.escalated', 'approval.requested'],
    (event) => {
      if (event.approval_id === props.id) detail.reload();
    },
    detail.reload,
  );

  if (detail.data === undefined)
    return (
      <section>
        <p>
          <Link href="/">← Inbox</Link>
        </p>
        {detail.error !== undefined ? <ErrorNotice>{detail.error}</ErrorNotice> : <Loading />}
      </section>
    );

  const approval = detail.data;
  const pack = approval.context_package;
  const facts = pack.facts;
  const step = approval.status === 'pending' && canDecide(me) ? myStep(approval, me) : undefined;
  const openSteps = approval.steps.filter((s) => s.type === 'approval' && s.status === 'active');
  const deadline = openSteps.map((s) => s.deadline).find((d) => d) ?? approval.deadline;
  // The agent's own summary: `pack.summary` falls back to Tollgate's sentence when it sent none.
  const summary = typeof pack.details.summary === 'string' && pack.details.summary.trim() !== '' ? pack.details.summary.trim() : null;
  const hasDiff = diffFiles(pack.diff).length > 0;
  const notSent = [
    summary === null && 'summary',
    pack.reasoning.text === null && 'reasoning',
    Object.keys(pack.key_context).length === 0 && 'context',
    !hasDiff && 'diff',
    pack.simulation === null && 'simulation',
  ].filter((name) => name !== false);

  function done(result: Outcome): void {
    setOutcome(result);
    detail.reload();
    // Moving focus to the result tells keyboard and screen-reader users what their click did.
    setTimeout(() => banner.current?.focus(), 0);
  }

  return (
    <article class="decision">
      <p class="crumbs">
        <Link href="/">← Inbox</Link>
      </p>
      {outcome !== undefined && (
        <div ref={banner} tabIndex={-1} class={`result ${outcome.ok ? 'ok' : 'failed'}`} role="status" data-testid="result">
          {outcome.message}
        </div>
      )}
      {detail.error !== undefined && <ErrorNotice>{detail.error}</ErrorNotice>}
      <div class="decision-grid">
        <div class="decision-main">
          <FactsSection
            facts={facts}
            meta={
              <>
                <StatusBadge status={approval.status} />
                <RiskBadge risk={facts.risk} />
                <span>
                  agent <strong>{shown(facts.agent)}</strong>
                </span>
                {facts.capability !== null && (
                  <span>
                    capability <strong>{shown(facts.capability)}</strong>
                  </span>
                )}
                {approval.status === 'pending' && (
                  <span class={timeLeft(deadline, now).urgent ? 'urgent' : ''}>{timeLeft(deadline, now).text}</span>
                )}
              </>
            }
          />
          <AgentWordsSection summary={summary} reasoning={pack.reasoning} />
          <NotSentLine missing={notSent} noPrecedent={pack.precedent.length === 0} />
          <RiskSection risk={pack.risk} />
          <CriteriaSection criteria={pack.criteria} />
          <KeyContextSection context={pack.key_context} />
          {hasDiff && (
            <section class="card" aria-labelledby="diff-title">
              <h2 id="diff-title">
                What will change <FromAgent />
              </h2>
              <DiffView diff={pack.diff} />
            </section>
          )}
          <SimulationSection simulation={pack.simulation} />
          <AnalysisSection analysis={pack.analysis} by={pack.analysis_by ?? {}} />
          <PrecedentSection precedent={pack.precedent} />
          <details class="card full-details">
            <summary>
              <h2>Full details</h2>
            </summary>
            <pre class="json">{shownLines(JSON.stringify(pack.details, null, 2))}</pre>
            <p class="muted small">
              digest <code>{approval.digest}</code> · policy <code>{text(approval.decision.policy_version).slice(0, 12)}</code>
            </p>
          </details>
        </div>
        <aside class="decision-side" aria-label="Decision and stages">
          {step !== undefined ? (
            <QuickActions key={`${approval.digest}-${step.id}`} approval={approval} step={step} onDone={done} />
          ) : (
            <section class="card">
              <h2>Decide</h2>
              <p class="muted">
                {approval.status !== 'pending' ? (
                  <>
                    This request is {approval.status.replace(/_/g, ' ')}
                    {approval.resolution !== null && (
                      <>
                        : <CodeText text={approval.resolution} />
                      </>
                    )}
                    .
                  </>
                ) : canDecide(me) ? (
                  'No open stage of this request is routed to you or your groups.'
                ) : (
                  'Your role can read requests but not decide them.'
                )}
              </p>
            </section>
          )}
          <StagesSection steps={approval.steps} now={now} />
        </aside>
      </div>
    </article>
  );
}
