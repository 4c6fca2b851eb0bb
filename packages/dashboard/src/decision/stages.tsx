// The workflow's stages: who decides each, by when, who has voted and how.

import type { Step } from '../api/types.js';
import { formatTime, timeLeft } from '../lib/time.js';
import { shown } from '../lib/shown.js';
import { StatusBadge } from '../ui/badges.js';
import { CodeText } from '../ui/code-text.js';
import { ValueView } from '../ui/value-view.js';
import { WorkerLabel } from '../ui/worker-label.js';

export function StagesSection(props: { steps: Step[]; now: number }) {
  if (props.steps.length === 0) return null;
  return (
    <section class="card" aria-labelledby="stages-title">
      <h2 id="stages-title">Workflow stages</h2>
      <ol class="stages">
        {props.steps.map((step) => (
          <li key={step.id} class={`stage stage-${step.status}`} data-step={step.id}>
            <div class="stage-head">
              <strong>{step.id}</strong> <StatusBadge status={step.status} />
              {step.depends_on.length > 0 && <span class="muted small"> after {step.depends_on.join(', ')}</span>}
            </div>
            {step.type === 'worker' ? (
              <div class="small">
                done by a worker with <code>{step.capability}</code>
                {step.output !== undefined && step.output !== null && (
                  <>
                    {' '}
                    <WorkerLabel worker={step.worker} />
                    <ValueView value={step.output} />
                  </>
                )}
              </div>
            ) : (
              <div class="small">
                <div>
                  {step.require ?? 1} of {(step.approvers ?? []).join(', ') || 'the default approvers'}
                  {step.status === 'active' && ` · ${timeLeft(step.deadline, props.now).text}`}
                  {(step.escalations ?? 0) > 0 && ` · escalated ${step.escalations}×`}
                </div>
                {(step.votes ?? []).length > 0 ? (
                  <ul class="votes">
                    {step.votes!.map((vote) => (
                      <li key={`${vote.user_id}-${vote.at}`}>
                        <strong>{vote.name}</strong> {vote.verdict.replace(/_/g, ' ')}
                        {vote.note !== null && <>: “{shown(vote.note)}”</>}
                        {vote.modifications !== null && <> with changes {shown(vote.modifications)}</>}
                        <span class="muted"> · {formatTime(vote.at)}</span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <div class="muted">no votes yet</div>
                )}
                {(step.delegations ?? []).map((delegation) => (
                  <div key={delegation.at} class="muted">
                    handed over to another person{delegation.note !== null && `: “${shown(delegation.note)}”`} · {formatTime(delegation.at)}
                  </div>
                ))}
                {step.resolution !== null && (
                  <div>
                    <CodeText text={step.resolution} />
                  </div>
                )}
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
