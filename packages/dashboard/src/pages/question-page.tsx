// An agent's question, answered here: the question and its context shown as the agent's own
// words, its choices as buttons (checkboxes when several may be picked), free text where the
// question takes it; once answered, the answer and who gave it.

import { useState } from 'preact/hooks';
import { get, messageOf, post } from '../api/client.js';
import { useLive, type LiveEventType } from '../api/live.js';
import type { Question } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import { shown, shownLines } from '../lib/shown.js';
import { formatTime, timeLeft } from '../lib/time.js';
import { useNow } from '../lib/use-now.js';
import { ErrorNotice, Loading } from '../ui/notice.js';
import { ValueView } from '../ui/value-view.js';

const LIVE: LiveEventType[] = ['question.answered', 'question.escalated', 'question.expired'];

export function QuestionPage(props: { id: string }) {
  const question = useResource(() => get<Question>(`/v1/questions/${encodeURIComponent(props.id)}`), [props.id]);
  useLive(LIVE, question.reload, question.reload);
  const now = useNow();
  if (question.data === undefined)
    return <section>{question.error !== undefined ? <ErrorNotice>{question.error}</ErrorNotice> : <Loading />}</section>;
  const q = question.data;
  const left = timeLeft(q.deadline, now);
  return (
    <section>
      <h1>Question from {shown(q.agent)}</h1>
      <section class="card agent-says lead" aria-labelledby="question-title" data-testid="question">
        <h2 id="question-title">
          The agent asks <span class="source">its own words, not checked by Tollgate</span>
        </h2>
        <blockquote class="agent-quote" data-testid="question-text">
          {shownLines(q.question)}
        </blockquote>
        <p class="muted small">
          urgency {q.urgency} · asked {formatTime(q.created_at)}
          {q.status === 'pending' && q.deadline !== null && <span class={`time-left${left.urgent ? ' urgent' : ''}`}> · {left.text}</span>}
        </p>
      </section>
      {Object.keys(q.context).length > 0 && (
        <section class="card" aria-labelledby="question-context-title">
          <h2 id="question-context-title">
            Context <span class="source">sent by the agent</span>
          </h2>
          <ValueView value={q.context} />
        </section>
      )}
      {q.status === 'pending' ? (
        <AnswerForm question={q} onAnswered={question.reload} />
      ) : (
        <section class="card" aria-labelledby="question-answer-title" data-testid="question-answer">
          <h2 id="question-answer-title">{q.status === 'answered' ? 'Answered' : 'Expired'}</h2>
          {q.answer === null ? (
            <p>Nobody answered before the deadline.</p>
          ) : (
            <>
              {q.answer.choices.length > 0 && <p>{q.answer.choices.map((choice) => shown(choice)).join(', ')}</p>}
              {q.answer.text !== null && <blockquote>{shownLines(q.answer.text)}</blockquote>}
              <p class="muted small">
                by {shown(q.answer.answered_by.name ?? q.answer.answered_by.id)} · {formatTime(q.answer.answered_at)}
              </p>
            </>
          )}
        </section>
      )}
    </section>
  );
}

function AnswerForm(props: { question: Question; onAnswered: () => void }) {
  const { question } = props;
  const [text, setText] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const written = text.trim() === '' ? {} : { text };

  async function send(body: Record<string, unknown>): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await post(`/v1/questions/${encodeURIComponent(question.id)}/answers`, body);
      props.onAnswered();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const single = question.choices !== null && !question.multiple;
  return (
    <section class="card actions-card" aria-labelledby="answer-title">
      <h2 id="answer-title">Answer</h2>
      {question.free_text && (
        <div class="field">
          <label for="answer-text">{question.choices === null ? 'Your answer' : 'Your answer in words (optional)'}</label>
          <textarea id="answer-text" rows={3} maxLength={10000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
      )}
      {single && (
        <div class="action-buttons" role="group" aria-label="Choices">
          {question.choices!.map((choice) => (
            <button key={choice} type="button" class="primary" disabled={busy} onClick={() => void send({ choice, ...written })}>
              {shown(choice)}
            </button>
          ))}
        </div>
      )}
      {question.multiple && (
        <fieldset class="field">
          <legend>Pick any that apply</legend>
          {question.choices!.map((choice) => (
            <label key={choice} class="checkbox">
              <input
                type="checkbox"
                checked={picked.includes(choice)}
                onChange={(e) => setPicked(e.currentTarget.checked ? [...picked, choice] : picked.filter((c) => c !== choice))}
              />{' '}
              {shown(choice)}
            </label>
          ))}
        </fieldset>
      )}
      {!single && (
        <div class="form-buttons">
          <button
            type="button"
            class="primary"
            disabled={busy}
            onClick={() => void send(question.multiple ? { choices: picked, ...written } : { text })}
          >
            {busy ? 'Sending…' : 'Send answer'}
          </button>
        </div>
      )}
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
