// Figures for the two ways around a full approval: questions agents asked people (answered, left
// unanswered, how long the answer took) and standing approvals (requests people were spared).

import { percentiles, type Percentiles } from './stats.js';

/** A question asked in the window, as it stands now. */
export interface QuestionRow {
  status: 'pending' | 'answered' | 'expired';
  created_at: number;
  answered_at: number | null;
}

/** What the server reads for a window: questions asked in it, covered actions, standing approvals granted in it. */
export interface AskingRows {
  questions: QuestionRow[];
  /** Actions created in the window that a standing approval approved at once. */
  covered: number;
  /** Each standing approval granted in the window, with the actions it has covered so far. */
  standing: { uses: number }[];
}

export interface AskingFigures {
  questions: {
    asked: number;
    answered: number;
    /** Ran out with nobody answering (expired). */
    unanswered: number;
    pending: number;
    time_to_answer_ms: Pick<Percentiles, 'p50' | 'p90'>;
  };
  standing_approvals: {
    granted: number;
    /** Requests no person was asked for: actions covered by a standing approval. */
    approvals_saved: number;
    /** Over the standing approvals granted in the window; null over none. */
    uses_per_standing_approval: { mean: number | null; max: number | null };
  };
}

export function askingFigures(rows: AskingRows): AskingFigures {
  const waits: number[] = [];
  let answered = 0;
  let unanswered = 0;
  for (const question of rows.questions) {
    if (question.status === 'answered') {
      answered++;
      if (question.answered_at !== null) waits.push(question.answered_at - question.created_at);
    } else if (question.status === 'expired') unanswered++;
  }
  const { p50, p90 } = percentiles(waits);
  const uses = rows.standing.map((standing) => standing.uses);
  return {
    questions: {
      asked: rows.questions.length,
      answered,
      unanswered,
      pending: rows.questions.length - answered - unanswered,
      time_to_answer_ms: { p50, p90 },
    },
    standing_approvals: {
      granted: uses.length,
      approvals_saved: rows.covered,
      uses_per_standing_approval: {
        mean: uses.length === 0 ? null : uses.reduce((sum, n) => sum + n, 0) / uses.length,
        max: uses.length === 0 ? null : uses.reduce((most, n) => Math.max(most, n), 0),
      },
    },
  };
}
