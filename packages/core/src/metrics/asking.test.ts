// Question and standing approval figures: what counts as answered or unanswered, nearest-rank
// time to answer, and unknown (null) figures over nothing.

import { describe, expect, it } from 'vitest';
import { askingFigures } from './asking.js';

describe('askingFigures', () => {
  it('counts each status and takes time to answer from the answered ones only', () => {
    const figures = askingFigures({
      questions: [
        { status: 'answered', created_at: 0, answered_at: 3_000 },
        { status: 'answered', created_at: 1_000, answered_at: 2_000 },
        { status: 'answered', created_at: 0, answered_at: 50_000 },
        { status: 'expired', created_at: 0, answered_at: null },
        { status: 'pending', created_at: 0, answered_at: null },
      ],
      covered: 7,
      standing: [{ uses: 7 }, { uses: 0 }, { uses: 2 }],
    });
    expect(figures.questions).toEqual({ asked: 5, answered: 3, unanswered: 1, pending: 1, time_to_answer_ms: { p50: 3_000, p90: 50_000 } });
    expect(figures.standing_approvals).toEqual({ granted: 3, approvals_saved: 7, uses_per_standing_approval: { mean: 3, max: 7 } });
  });

  it('answers null, not zero, for figures over nothing', () => {
    expect(askingFigures({ questions: [], covered: 0, standing: [] })).toEqual({
      questions: { asked: 0, answered: 0, unanswered: 0, pending: 0, time_to_answer_ms: { p50: null, p90: null } },
      standing_approvals: { granted: 0, approvals_saved: 0, uses_per_standing_approval: { mean: null, max: null } },
    });
  });
});
