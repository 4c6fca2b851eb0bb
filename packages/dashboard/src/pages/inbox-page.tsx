// The inbox: pending requests for me (assigned to me, or open to one of my groups), soonest
// deadline and highest risk first, with time left, and agents' questions waiting for me; kept
// current by live events.

import { useState } from 'preact/hooks';
import { get } from '../api/client.js';
import { useLive, type LiveEventType } from '../api/live.js';
import type { Approval, Me } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import { inboxOrder } from '../lib/inbox-order.js';
import { shown } from '../lib/shown.js';
import { oneSentence } from '../lib/summary.js';
import { timeLeft } from '../lib/time.js';
import { useNow } from '../lib/use-now.js';
import { canDecide, useMe } from '../session.js';
import { InboxQuestions } from './inbox-questions.js';
import { RiskBadge } from '../ui/badges.js';
import { Link } from '../ui/link.js';
import { ToggleGroup } from '../ui/toggle-group.js';
import { Empty, ErrorNotice, Loading } from '../ui/notice.js';

type Tab = 'mine' | 'groups';

interface Row {
  id: string;
  summary: string;
  agent: string;
  risk: string | null;
  deadline: string | null;
  created_at: string;
  stage: string;
}

const LIVE: LiveEventType[] = ['approval.requested', 'approval.voted', 'approval.decided', 'approval.timed_out', 'approval.escalated'];

/** Open to me through a group or by name, whether or not routing picked me for it. */
function openToMe(approval: Approval, me: Me): boolean {
  return approval.steps.some(
    (step) =>
      step.type === 'approval' &&
      step.status === 'active' &&
      (step.approvers ?? []).some((who) => who === me.name || who === me.id || me.groups.includes(who)),
  );
}

function earliestDeadline(approval: Approval): string | null {
  const open = approval.steps.filter((step) => step.type === 'approval' && step.status === 'active' && step.deadline);
  const deadlines = open.map((step) => step.deadline!).sort();
  return deadlines[0] ?? approval.deadline;
}

async function loadInbox(tab: Tab, me: Me): Promise<Row[]> {
  const [list, actions] = await Promise.all([
    tab === 'mine'
      ? get<{ approvals: Approval[] }>('/v1/approvals?assigned=me')
      : get<{ approvals: Approval[] }>('/v1/approvals?status=pending&limit=1000'),
    get<{ actions: { id: string; risk: string | null; agent: string }[] }>('/v1/actions?status=pending&limit=1000'),
  ]);
  const byAction = new Map(actions.actions.map((action) => [action.id, action]));
  const approvals = tab === 'mine' ? list.approvals : list.approvals.filter((approval) => openToMe(approval, me));
  return approvals
    .filter((approval) => approval.status === 'pending')
    .map((approval) => {
      const action = byAction.get(approval.action_id);
      const agent = action?.agent ?? approval.requested_by;
      return {
        id: approval.id,
        summary: oneSentence(approval.action, agent),
        agent,
        risk: action?.risk ?? null,
        deadline: earliestDeadline(approval),
        created_at: approval.created_at,
        stage: approval.steps
          .filter((step) => step.type === 'approval' && step.status === 'active')
          .map((step) => step.id)
          .join(', '),
      };
    })
    .sort(inboxOrder);
}

export function InboxPage() {
  const me = useMe();
  const [tab, setTab] = useState<Tab>('mine');
  const inbox = useResource(() => loadInbox(tab, me), [tab, me]);
  const now = useNow();
  useLive(LIVE, inbox.reload, inbox.reload);

  return (
    <section>
      <h1>Inbox</h1>
      {canDecide(me) && <InboxQuestions />}
      <div class="view-switch">
        <ToggleGroup
          label="Which requests"
          options={
            [
              ['mine', 'Assigned to me'],
              ['groups', 'Open to my groups'],
            ] as const
          }
          value={tab}
          onChange={setTab}
        />
      </div>
      {inbox.error !== undefined && <ErrorNotice>{inbox.error}</ErrorNotice>}
      {inbox.data === undefined ? (
        inbox.error === undefined && <Loading />
      ) : inbox.data.length === 0 ? (
        <Empty>Nothing waits for you. New requests appear here as they arrive.</Empty>
      ) : (
        <ul class="inbox" aria-label="Pending requests" aria-live="polite">
          {inbox.data.map((row) => {
            const left = timeLeft(row.deadline, now);
            return (
              <li key={row.id} class="inbox-row" data-approval={row.id}>
                <Link href={`/approvals/${row.id}`} class="inbox-link">
                  <span class="inbox-summary">{shown(row.summary)}</span>
                  <span class="inbox-meta">
                    <RiskBadge risk={row.risk} />
                    <span>{shown(row.agent)}</span>
                    {row.stage !== '' && <span>stage {row.stage}</span>}
                    <span class={`time-left${left.urgent ? ' urgent' : ''}`}>{left.text}</span>
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
