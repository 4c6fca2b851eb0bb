// The signed-in person's out-of-office switch (PATCH /v1/auth/me). While it is on, routing puts
// new requests in other people's inboxes and nobody can hand them a request; they may still
// decide what reaches them.

import { useState } from 'preact/hooks';
import { messageOf, patch } from '../api/client.js';
import type { Me } from '../api/types.js';

export function AwaySwitch(props: { me: Me; onChange: (me: Me) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const away = props.me.out_of_office;

  async function toggle(): Promise<void> {
    // Not `disabled` while busy: a disabled button drops the keyboard focus.
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await patch<Me>('/v1/auth/me', { out_of_office: !away });
      props.onChange({ ...props.me, out_of_office: answer.out_of_office });
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <span class="away">
      <button
        type="button"
        class={`away-switch${away ? ' on' : ''}`}
        aria-pressed={away}
        aria-busy={busy}
        aria-describedby="away-hint"
        onClick={() => void toggle()}
      >
        <span class="track" aria-hidden="true">
          <span class="knob" />
        </span>
        Out of office
      </button>
      <span id="away-hint" class="visually-hidden">
        {away ? 'on: new requests go to others' : 'off: new requests can be routed to you'}
      </span>
      {error !== undefined && (
        <span class="away-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

/** Said under the header while the person is away, so the state is never only a switch's position. */
export function AwayBanner(props: { me: Me }) {
  return (
    <p class="away-banner" role="status">
      {props.me.out_of_office
        ? 'You are out of office: new requests are routed to others, and nobody can hand you one. You can still decide what reaches you.'
        : ''}
    </p>
  );
}
