// The approver's quick actions: approve, approve with a note, request changes, modify within
// limits, delegate to someone eligible (picked from a list), deny with a reason; each has a
// keyboard shortcut (its hint hidden on touch screens), an action that is off says why, and the
// outcome of every click is said plainly on the page.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { messageOf, post } from '../api/client.js';
import type { ApprovalDetail, FieldBounds, StandingApproval, Step } from '../api/types.js';
import { shown } from '../lib/shown.js';
import { constraintRows, constraintsFrom, describeConstraints } from '../lib/standing.js';
import { text } from '../lib/summary.js';
import { DelegatePicker } from './delegate-picker.js';
import { ModifyFields, modificationsFrom } from './modify-fields.js';
import { initialChoice, StandingOption, standingFrom, type StandingChoice } from './standing-option.js';

type Mode = 'note' | 'changes' | 'modify' | 'delegate' | 'deny';

const ACTIONS: { key: string; label: string; mode: Mode | 'approve'; tone: string }[] = [
  { key: 'a', label: 'Approve', mode: 'approve', tone: 'primary' },
  { key: 'n', label: 'Approve with note', mode: 'note', tone: '' },
  { key: 'c', label: 'Request changes', mode: 'changes', tone: '' },
  { key: 'm', label: 'Modify', mode: 'modify', tone: '' },
  { key: 'g', label: 'Delegate', mode: 'delegate', tone: '' },
  { key: 'd', label: 'Deny', mode: 'deny', tone: 'danger' },
];

/** Why Modify is off: the policy lists no field of this request or stage an approver may change. */
const NO_MODIFY = 'Modify is off: the policy lists no field of this request that an approver may change.';

const TITLES: Record<Mode, string> = {
  note: 'Approve with a note',
  changes: 'Request changes',
  modify: 'Approve a modified action',
  delegate: 'Hand this request to someone else',
  deny: 'Deny',
};

export interface Outcome {
  ok: boolean;
  message: string;
}

function approvedMessage(after: { status: string; steps: Step[] }, what: string): string {
  if (after.status === 'approved') return `${what} The request is approved and the agent has its answer.`;
  const open = after.steps.filter((step) => step.type === 'approval' && step.status === 'active').map((step) => step.id);
  return `${what} Your vote is recorded; the request still waits${open.length > 0 ? ` on ${open.join(', ')}` : ''}.`;
}

/** What the vote's answer says of the standing approval it granted. */
function grantedMessage(granted: StandingApproval): string {
  const limits = [
    granted.uses_left === null ? undefined : `${granted.uses_left} uses`,
    granted.expires_at === null ? undefined : `until ${new Date(granted.expires_at).toLocaleString()}`,
  ].filter((part) => part !== undefined);
  return ` Similar ${shown(granted.action_type)} actions of ${shown(granted.agent)} (constraints: ${describeConstraints(
    granted.constraints,
  )}) are now approved at once for ${limits.join(', ')}; see Standing approvals to revoke it.`;
}

export function QuickActions(props: { approval: ApprovalDetail; step: Step; onDone: (outcome: Outcome) => void }) {
  const { approval, step } = props;
  const [mode, setMode] = useState<Mode | undefined>(undefined);
  const [note, setNote] = useState('');
  const [to, setTo] = useState('');
  // Bumped when a delegation is refused, so the picker asks again who may take the stage now.
  const [eligibleVersion, setEligibleVersion] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const modifiable: Record<string, FieldBounds> = step.modifiable ?? approval.modifiable ?? {};
  const canModify = Object.keys(modifiable).length > 0;
  const action = approval.action ?? {};
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.keys(modifiable).map((field) => [field, text(action[field]) === '—' ? '' : text(action[field])])),
  );
  const firstInput = useRef<HTMLFormElement>(null);
  const bound = approval.decision.standing ?? null;
  const actionType = typeof action.action_type === 'string' ? action.action_type : undefined;
  const [standing, setStanding] = useState<StandingChoice | undefined>(() =>
    bound === null ? undefined : initialChoice(bound, constraintRows(action)),
  );
  /** The `standing` part an approving vote carries, when the approver asked for one. */
  const standingPart = (): Record<string, unknown> =>
    standing?.on === true ? { standing: standingFrom(standing, constraintsFrom(standing.rows, action)) } : {};

  function open(next: Mode | 'approve'): void {
    if (busy) return;
    setError(undefined);
    if (next === 'approve') {
      void vote({ verdict: 'approve', ...standingPart() }, 'You approved this request.');
      return;
    }
    if (next === 'modify' && !canModify) {
      setError(NO_MODIFY);
      return;
    }
    setMode(next);
  }

  useEffect(() => {
    firstInput.current?.querySelector<HTMLElement>('input, textarea, select')?.focus();
  }, [mode]);

  // Attached before the page is painted: a key pressed as soon as the buttons show must not be lost
  // (an ordinary effect runs a frame later).
  useLayoutEffect(() => {
    function onKey(event: KeyboardEvent): void {
      const target = event.target as HTMLElement | null;
      if (event.key === 'Escape' && mode !== undefined) {
        setMode(undefined);
        setError(undefined);
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey || target?.closest('input, textarea, select, [contenteditable]')) return;
      const found = ACTIONS.find((entry) => entry.key === event.key.toLowerCase());
      if (found === undefined) return;
      event.preventDefault();
      open(found.mode);
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  async function vote(body: Record<string, unknown>, said: string): Promise<void> {
    setBusy(true);
    try {
      const after = await post<{ status: string; steps: Step[]; standing_approval?: StandingApproval }>(
        `/v1/approvals/${approval.id}/votes`,
        {
          ...body,
          digest: approval.digest,
          step: step.id,
        },
      );
      const message =
        body.verdict === 'approve'
          ? approvedMessage(after, said)
          : body.verdict === 'deny'
            ? `${said} The request is denied and the agent was told why.`
            : `${said} The agent gets your feedback and may send a revision.`;
      props.onDone({
        ok: true,
        message: after.standing_approval === undefined ? message : message + grantedMessage(after.standing_approval),
      });
      setMode(undefined);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    setError(undefined);
    const trimmed = note.trim();
    if (mode === 'note') {
      if (trimmed === '') return setError('write the note, or use Approve');
      return vote({ verdict: 'approve', note: trimmed, ...standingPart() }, 'You approved this request with a note.');
    }
    if (mode === 'changes') {
      if (trimmed === '') return setError('say what should change: the agent receives this feedback');
      return vote({ verdict: 'request_changes', note: trimmed }, 'You asked for changes.');
    }
    if (mode === 'deny') {
      if (trimmed === '') return setError('a denial needs a reason: say why this must not run');
      return vote({ verdict: 'deny', note: trimmed }, 'You denied this request.');
    }
    if (mode === 'modify') {
      const found = modificationsFrom(modifiable, action, values);
      if ('error' in found) return setError(found.error);
      const listed = Object.entries(found.changes)
        .map(([field, value]) => `${field} → ${text(value)}`)
        .join(', ');
      return vote(
        { verdict: 'approve', modifications: found.changes, ...(trimmed === '' ? {} : { note: trimmed }) },
        `You approved a modified action (${listed}).`,
      );
    }
    if (mode === 'delegate') {
      if (to === '') return setError('choose the person to hand this request to');
      setBusy(true);
      try {
        await post(`/v1/approvals/${approval.id}/delegate`, { to, step: step.id, ...(trimmed === '' ? {} : { note: trimmed }) });
        props.onDone({ ok: true, message: `You handed this request to ${to}; it has left your inbox.` });
        setMode(undefined);
      } catch (failure) {
        setError(messageOf(failure));
        setEligibleVersion((version) => version + 1);
      } finally {
        setBusy(false);
      }
    }
  }

  return (
    <section class="card actions-card" aria-labelledby="actions-title">
      <h2 id="actions-title">Decide</h2>
      <div class="action-buttons">
        {ACTIONS.map((entry) => (
          <button
            key={entry.key}
            type="button"
            class={entry.tone}
            disabled={busy || (entry.mode === 'modify' && !canModify)}
            aria-keyshortcuts={entry.key}
            aria-describedby={entry.mode === 'modify' && !canModify ? 'modify-off' : undefined}
            aria-expanded={entry.mode === 'approve' ? undefined : mode === entry.mode}
            onClick={() => open(entry.mode)}
          >
            {entry.label} <kbd aria-hidden="true">{entry.key}</kbd>
          </button>
        ))}
      </div>
      {!canModify && (
        <p id="modify-off" class="muted small action-note">
          {NO_MODIFY}
        </p>
      )}
      {standing !== undefined && bound !== null && actionType !== undefined && (mode === undefined || mode === 'note') && (
        <StandingOption agent={approval.decision.agent} actionType={actionType} bound={bound} value={standing} onChange={setStanding} />
      )}
      {mode !== undefined && (
        <form ref={firstInput} class="action-form" onSubmit={(event) => void submit(event)} noValidate aria-label={TITLES[mode]}>
          <h3>{TITLES[mode]}</h3>
          {mode === 'modify' && (
            <ModifyFields
              modifiable={modifiable}
              action={action}
              values={values}
              onChange={(field, value) => setValues({ ...values, [field]: value })}
            />
          )}
          {mode === 'delegate' && (
            <DelegatePicker approvalId={approval.id} step={step.id} version={eligibleVersion} value={to} onChange={setTo} />
          )}
          <div class="field">
            <label for="action-note">
              {mode === 'deny'
                ? 'Reason (required)'
                : mode === 'changes'
                  ? 'What should change (required)'
                  : mode === 'note'
                    ? 'Note'
                    : 'Note (optional)'}
            </label>
            <textarea id="action-note" rows={3} maxLength={4000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </div>
          <div class="form-buttons">
            <button type="submit" class={mode === 'deny' ? 'danger' : 'primary'} disabled={busy}>
              {busy ? 'Sending…' : TITLES[mode]}
            </button>
            <button type="button" onClick={() => setMode(undefined)}>
              Cancel <kbd aria-hidden="true">Esc</kbd>
            </button>
          </div>
        </form>
      )}
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
