// Notifications that could not be delivered (the dead-letter list) for admins and auditors, with
// the error of their last attempt; admins send one again once its channel is fixed.

import { useState } from 'preact/hooks';
import { get, messageOf, post } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { formatTime } from '../lib/time.js';
import { useMe } from '../session.js';
import { Link } from '../ui/link.js';
import { Empty, ErrorNotice, Loading } from '../ui/notice.js';

interface DeadLetter {
  id: string;
  approval_id: string | null;
  channel: string;
  channel_type: string;
  event: string;
  recipient: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
}

export function NotificationsPage() {
  const me = useMe();
  const [round, setRound] = useState(0);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const dead = useResource(() => get<{ notifications: DeadLetter[] }>('/v1/notifications?status=dead'), [round]);

  async function redrive(id: string): Promise<void> {
    try {
      await post(`/v1/notifications/${encodeURIComponent(id)}/redrive`, {});
      setMessage({ ok: true, text: 'Queued again; it goes out with the next delivery round.' });
      setRound((value) => value + 1);
    } catch (failure) {
      setMessage({ ok: false, text: messageOf(failure) });
    }
  }

  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Undelivered notifications</h1>
      <p class="muted">Messages to Slack, Teams, PagerDuty, e-mail or webhooks that kept failing and were set aside.</p>
      {message !== undefined && (
        <p class={message.ok ? 'result ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      {dead.error !== undefined ? (
        <ErrorNotice>{dead.error}</ErrorNotice>
      ) : dead.data === undefined ? (
        <Loading />
      ) : dead.data.notifications.length === 0 ? (
        <Empty>Every notification was delivered.</Empty>
      ) : (
        <div class="table-scroll">
          <table class="data">
            <caption class="muted">Dead letters, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Channel</th>
                <th scope="col">Event</th>
                <th scope="col">Request</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                {me.role === 'admin' && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {dead.data.notifications.map((letter) => (
                <tr key={letter.id} data-notification={letter.id}>
                  <td>{formatTime(letter.created_at)}</td>
                  <td>
                    {letter.channel} <span class="small muted">({letter.channel_type})</span>
                  </td>
                  <td>{letter.event}</td>
                  <td>{letter.approval_id === null ? '—' : <Link href={`/approvals/${letter.approval_id}`}>{letter.approval_id}</Link>}</td>
                  <td>{letter.attempts}</td>
                  <td class="small">{letter.last_error ?? '—'}</td>
                  {me.role === 'admin' && (
                    <td>
                      <button type="button" onClick={() => void redrive(letter.id)}>
                        Send again
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
