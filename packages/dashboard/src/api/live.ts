// One Server-Sent Events stream per tab (GET /v1/events); pages subscribe to the event types they
// show, and the header shows whether the stream is connected.

import { useEffect, useRef, useState } from 'preact/hooks';

export interface LiveEvent {
  type: string;
  approval_id?: string;
  action_id?: string;
  question_id?: string;
  status?: string;
  at: string;
  data?: Record<string, unknown>;
}

/** The server's event names, as a type so they read as event names and not as error codes. */
export type LiveEventType =
  | 'approval.requested'
  | 'approval.voted'
  | 'approval.decided'
  | 'approval.timed_out'
  | 'approval.escalated'
  | 'approval.reminder'
  | 'action.decided'
  | 'action.outcome'
  | 'job.queued'
  | 'policy.reloaded'
  | 'question.asked'
  | 'question.answered'
  | 'question.escalated'
  | 'question.expired';

const STREAMED: { type: LiveEventType }[] = [
  { type: 'approval.requested' },
  { type: 'approval.voted' },
  { type: 'approval.decided' },
  { type: 'approval.timed_out' },
  { type: 'approval.escalated' },
  { type: 'approval.reminder' },
  { type: 'action.decided' },
  { type: 'action.outcome' },
  { type: 'job.queued' },
  { type: 'policy.reloaded' },
  { type: 'question.asked' },
  { type: 'question.answered' },
  { type: 'question.escalated' },
  { type: 'question.expired' },
];

type Listener = (event: LiveEvent) => void;
const listeners = new Set<Listener>();
const stateListeners = new Set<(connected: boolean) => void>();
const openListeners = new Set<() => void>();
let source: EventSource | undefined;
let connected = false;

function setConnected(value: boolean): void {
  connected = value;
  stateListeners.forEach((listener) => listener(value));
}

export function startLive(): void {
  if (source !== undefined) return;
  source = new EventSource('/v1/events', { withCredentials: true });
  // Events sent while the stream was not open (before it first opened, or during a gap) are
  // never replayed, so every subscriber reloads what it shows once the stream is open again.
  source.onopen = () => {
    setConnected(true);
    openListeners.forEach((listener) => listener());
  };
  // EventSource reconnects by itself (the server sends `retry`); the header shows the gap meanwhile.
  source.onerror = () => setConnected(false);
  for (const { type } of STREAMED) {
    source.addEventListener(type, (message) => {
      let event: LiveEvent;
      try {
        event = JSON.parse((message as MessageEvent<string>).data) as LiveEvent;
      } catch {
        return;
      }
      listeners.forEach((listener) => listener(event));
    });
  }
}

export function stopLive(): void {
  source?.close();
  source = undefined;
  setConnected(false);
}

/**
 * Calls `onEvent` for live events whose type is in `types`, and `onResync` each time the stream
 * opens while the component lives (it may have missed events meanwhile), for as long as the
 * component lives.
 */
export function useLive(types: LiveEventType[], onEvent: Listener, onResync: () => void): void {
  const latest = useRef({ onEvent, onResync });
  latest.current = { onEvent, onResync };
  const key = types.join(',');
  useEffect(() => {
    const wanted = new Set(key.split(','));
    const listener: Listener = (event) => {
      if (wanted.has(event.type)) latest.current.onEvent(event);
    };
    const resync = () => latest.current.onResync();
    listeners.add(listener);
    openListeners.add(resync);
    return () => {
      listeners.delete(listener);
      openListeners.delete(resync);
    };
  }, [key]);
}

export function useLiveConnected(): boolean {
  const [value, setValue] = useState(connected);
  useEffect(() => {
    stateListeners.add(setValue);
    return () => void stateListeners.delete(setValue);
  }, []);
  return value;
}
