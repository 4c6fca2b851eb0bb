// Whom a stage may be handed to: the people GET /v1/approvals/:id/eligible lists (the ones the
// delegation accepts), the stage's approvers first, each with their groups and open requests;
// those out of office are named but cannot be chosen.

import { useEffect } from 'preact/hooks';
import { get } from '../api/client.js';
import type { EligibleList, EligiblePerson } from '../api/types.js';
import { useResource } from '../api/use-resource.js';

function describe(person: EligiblePerson): string {
  const groups = person.groups.length === 0 ? 'no groups' : person.groups.join(', ');
  const load = person.open_assignments === 1 ? '1 open request' : `${person.open_assignments} open requests`;
  return `${person.name} (${groups}) · ${load}`;
}

export function DelegatePicker(props: {
  approvalId: string;
  step: string;
  /** A new number asks the server again (after a refusal: someone may have gone away). */
  version: number;
  value: string;
  onChange: (name: string) => void;
}) {
  const list = useResource(
    () => get<EligibleList>(`/v1/approvals/${encodeURIComponent(props.approvalId)}/eligible?step=${encodeURIComponent(props.step)}`),
    [props.approvalId, props.step, props.version],
  );
  const people = list.data?.people ?? [];
  const approvers = people.filter((person) => person.approver);
  const others = people.filter((person) => !person.approver);
  const away = list.data?.out_of_office ?? [];
  const { value, onChange } = props;

  // Someone chosen who is no longer listed (they went out of office, or voted) is unchosen.
  useEffect(() => {
    if (list.data !== undefined && value !== '' && !people.some((person) => person.name === value)) onChange('');
  }, [list.data]);

  return (
    <div class="field delegate-picker">
      <label for="delegate-to">Person</label>
      <select
        id="delegate-to"
        value={value}
        aria-describedby="delegate-hint"
        aria-busy={list.loading}
        onChange={(e) => onChange(e.currentTarget.value)}
      >
        {/* `selected` on every option too: when the chosen person leaves the list, the browser
            would otherwise select nothing, and the next arrow key would land on this line. */}
        <option value="" selected={value === ''}>
          {list.data === undefined ? 'Finding who may take it…' : people.length === 0 ? 'Nobody else may take it now' : 'Choose a person…'}
        </option>
        {approvers.length > 0 && (
          <optgroup label="Approvers of this stage">
            {approvers.map((person) => (
              <option key={person.id} value={person.name} selected={value === person.name}>
                {describe(person)}
              </option>
            ))}
          </optgroup>
        )}
        {others.length > 0 && (
          <optgroup label="Others who may take it">
            {others.map((person) => (
              <option key={person.id} value={person.name} selected={value === person.name}>
                {describe(person)}
              </option>
            ))}
          </optgroup>
        )}
      </select>
      <small id="delegate-hint" class="muted" data-testid="delegate-hint">
        {list.data !== undefined && people.length === 0
          ? 'Nobody else may take this stage now: the requester, people who voted on this request and auditors cannot.'
          : 'They take this stage instead of you; the requester, people who voted on this request and auditors are not offered.'}
        {away.length > 0 && ` Out of office, so not offered: ${away.map((person) => person.name).join(', ')}.`}
      </small>
      {list.error !== undefined && (
        <p class="error" role="alert">
          the people who may take it cannot be read: {list.error}
        </p>
      )}
    </div>
  );
}
