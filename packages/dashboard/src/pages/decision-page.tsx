// One approval request in the guide's information hierarchy: the action in one sentence, why it
// needs approval, what to check, key context, the diff, the dry run, the AI's reasoning,
// precedent, the workflow's stages, full details on request, and the quick actions.

import { useRef, useState } from 'preact/hooks';
import { get } from '../api/client.js';
import { useLive } from '../api/live.js';
import type { ApprovalDetail, Me, Step } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import {
  AnalysisSection,
  CriteriaSection,
  KeyContextSection,
  PrecedentSection,
  ReasoningSection,
  RiskSection,
  SimulationSection,
} from '../decision/context-sections.js';
import { DiffView } from '../decision/diff-view.js';
import { QuickActions, type Outcome } from '../decision/quick-actions.js';
import { StagesSection } from '../decision/stages.js';
import { text } from '../lib/summary.js';
import { timeLeft } from '../lib/time.js';
import { useNow } from '../lib/use-now.js';
import { canDecide, useMe } from '../session.js';
import { RiskBadge, StatusBadge } from '../ui/badges.js';
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
  const action = approval.action ?? {};
  const step = approval.status === 'pending' && canDecide(me) ? myStep(approval, me) : undefined;
  const openSteps = approval.steps.filter((s) => s.type === 'approval' && s.status === 'active');
  const deadline = openSteps.map((s) => s.deadline).find((d) => d) ?? approval.deadline;

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
      <header class="decision-head">
        <h1>{pack.summary}</h1>
        <div class="decision-meta">
          <StatusBadge status={approval.status} />
          <RiskBadge risk={pack.risk.level} />
          <span>
            agent <strong>{approval.decision.agent}</strong>
          </span>
          {typeof action.action_type === 'string' && (
            <span>
              action <strong>{action.action_type}</strong>
            </span>
          )}
          {typeof action.environment === 'string' && (
            <span>
              in <strong>{action.environment}</strong>
            </span>
          )}
          {approval.status === 'pending' && (
            <span class={timeLeft(deadline, now).urgent ? 'urgent' : ''}>{timeLeft(deadline, now).text}</span>
          )}
        </div>
      </header>
      {outcome !== undefined && (
        <div ref={banner} tabIndex={-1} class={`result ${outcome.ok ? 'ok' : 'failed'}`} role="status" data-testid="result">
          {outcome.message}
        </div>
      )}
      {detail.error !== undefined && <ErrorNotice>{detail.error}</ErrorNotice>}
      <div class="decision-grid">
        <div class="decision-main">
          <RiskSection risk={pack.risk} />
          <CriteriaSection criteria={pack.criteria} />
          <KeyContextSection context={pack.key_context} />
          <section class="card" aria-labelledby="diff-title">
            <h2 id="diff-title">What will change</h2>
            <DiffView diff={pack.diff} />
          </section>
          <SimulationSection simulation={pack.simulation} />
          <ReasoningSection reasoning={pack.reasoning} />
          <AnalysisSection analysis={pack.analysis} by={pack.analysis_by ?? {}} />
          <PrecedentSection precedent={pack.precedent} />
          <details class="card full-details">
            <summary>
              <h2>Full details</h2>
            </summary>
            <pre class="json">{JSON.stringify(pack.details, null, 2)}</pre>
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
                {approval.status !== 'pending'
                  ? `This request is ${approval.status.replace(/_/g, ' ')}${approval.resolution !== null ? `: ${approval.resolution}` : ''}.`
                  : canDecide(me)
                    ? 'No open stage of this request is routed to you or your groups.'
                    : 'Your role can read requests but not decide them.'}
              </p>
            </section>
          )}
          <StagesSection steps={approval.steps} now={now} />
        </aside>
      </div>
    </article>
  );
}
