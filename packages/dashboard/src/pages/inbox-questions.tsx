// The inbox's questions: what agents asked that the signed-in person may answer, newest first,
// the question in the agent's own words; kept current by live events. Shown only when there are some.

import { get } from '../api/client.js';
import { useLive, type LiveEventType } from '../api/live.js';
import type { Question } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import { shown } from '../lib/shown.js';
import { timeLeft } from '../lib/time.js';
import { useNow } from '../lib/use-now.js';
import { Link } from '../ui/link.js';
import { ErrorNotice } from '../ui/notice.js';

const LIVE: LiveEventType[] = ['question.asked', 'question.answered', 'question.escalated', 'question.expired'];

export function InboxQuestions() {
  const questions = useResource(() => get<{ questions: Question[] }>('/v1/questions'), []);
  useLive(LIVE, questions.reload, questions.reload);
  const now = useNow();
  if (questions.error !== undefined) return <ErrorNotice>{questions.error}</ErrorNotice>;
  const list = questions.data?.questions ?? [];
  if (list.length === 0) return null;
  return (
    <section aria-labelledby="inbox-questions-title">
      <h2 id="inbox-questions-title">Questions from agents</h2>
      <ul class="inbox" aria-label="Questions waiting for an answer" aria-live="polite">
        {list.map((question) => {
          const left = timeLeft(question.deadline, now);
          return (
            <li key={question.id} class="inbox-row" data-question={question.id}>
              <Link href={`/questions/${question.id}`} class="inbox-link">
                <span class="inbox-summary">
                  <span class="source">{shown(question.agent)} asks:</span> {shown(question.question)}
                </span>
                <span class="inbox-meta">
                  <span>urgency {question.urgency}</span>
                  {question.choices !== null && <span>{question.choices.length} choices</span>}
                  {question.deadline !== null && <span class={`time-left${left.urgent ? ' urgent' : ''}`}>{left.text}</span>}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
