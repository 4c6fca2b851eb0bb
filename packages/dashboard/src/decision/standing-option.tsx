// "Also approve similar requests": the standing approval an approving vote may grant where the
// policy allows one, with its lifetime, its number of uses and the fields later actions must match.

import type { StandingBound } from '../api/types.js';
import { shown } from '../lib/shown.js';
import { durationText, type ConstraintRow } from '../lib/standing.js';

export interface StandingChoice {
  on: boolean;
  for: string;
  uses: string;
  rows: ConstraintRow[];
}

/** The first offer: as long and as many uses as the policy allows, or an hour and 10 where it sets no limit. */
export function initialChoice(bound: StandingBound, rows: ConstraintRow[]): StandingChoice {
  return {
    on: false,
    for: bound.max_for === null ? (bound.max_uses === null ? '1h' : '') : durationText(bound.max_for),
    uses: bound.max_uses === null ? (bound.max_for === null ? '10' : '') : String(bound.max_uses),
    rows,
  };
}

/** The vote's `standing`: empty fields left out, so the server says which limit its bound needs. */
export function standingFrom(choice: StandingChoice, constraints: Record<string, unknown>): Record<string, unknown> {
  const uses = choice.uses.trim();
  return {
    ...(choice.for.trim() === '' ? {} : { for: choice.for.trim() }),
    ...(uses === '' ? {} : { uses: Number.isNaN(Number(uses)) ? uses : Number(uses) }),
    ...(Object.keys(constraints).length === 0 ? {} : { constraints }),
  };
}

export function StandingOption(props: {
  agent: string;
  actionType: string;
  bound: StandingBound;
  value: StandingChoice;
  onChange: (next: StandingChoice) => void;
}) {
  const { bound, value } = props;
  const set = (patch: Partial<StandingChoice>): void => props.onChange({ ...value, ...patch });
  const setRow = (index: number, patch: Partial<ConstraintRow>): void =>
    set({ rows: value.rows.map((row, i) => (i === index ? { ...row, ...patch } : row)) });
  const limits = [
    bound.max_for === null ? undefined : `for at most ${durationText(bound.max_for)}`,
    bound.max_uses === null ? undefined : `at most ${bound.max_uses} uses`,
  ].filter((part) => part !== undefined);

  return (
    <fieldset class="standing-option" aria-label="Standing approval">
      <label class="checkbox">
        <input type="checkbox" checked={value.on} onChange={(e) => set({ on: e.currentTarget.checked })} /> Also approve similar requests
      </label>
      <p class="muted small">
        Later <code>{shown(props.actionType)}</code> actions of <code>{shown(props.agent)}</code> inside these limits are approved at once,
        in your name
        {limits.length > 0 ? ` (the policy allows ${limits.join(' and ')})` : ''}.
      </p>
      {value.on && (
        <div class="standing-fields">
          <div class="field">
            <label for="standing-for">For (e.g. 30m, 2h)</label>
            <input id="standing-for" value={value.for} maxLength={20} onInput={(e) => set({ for: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="standing-uses">Uses</label>
            <input
              id="standing-uses"
              type="number"
              min={1}
              {...(bound.max_uses === null ? {} : { max: bound.max_uses })}
              value={value.uses}
              onInput={(e) => set({ uses: e.currentTarget.value })}
            />
          </div>
          {value.rows.length > 0 && (
            <table class="standing-constraints">
              <caption class="small">Only where the action has</caption>
              <tbody>
                {value.rows.map((row, index) => (
                  <tr key={row.field} data-field={row.field}>
                    <td>
                      <label>
                        <input
                          type="checkbox"
                          checked={row.on}
                          aria-label={`constrain ${shown(row.field)}`}
                          onChange={(e) => setRow(index, { on: e.currentTarget.checked })}
                        />{' '}
                        <code>{shown(row.field)}</code>
                      </label>
                    </td>
                    <td>
                      <select
                        aria-label={`${shown(row.field)} comparison`}
                        value={row.op}
                        onChange={(e) => setRow(index, { op: e.currentTarget.value as ConstraintRow['op'] })}
                      >
                        <option value="eq">=</option>
                        <option value="lte">≤</option>
                      </select>
                    </td>
                    <td>
                      <input
                        aria-label={`${shown(row.field)} value`}
                        value={row.value}
                        maxLength={200}
                        onInput={(e) => setRow(index, { value: e.currentTarget.value })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </fieldset>
  );
}
