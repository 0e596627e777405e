// The appliance's event log, live: one shared Server-Sent Events stream of every run's events
// (`GET /v1/events`), which screens subscribe to while they are shown.
import { useEffect, useRef } from 'preact/hooks';

export interface RunEvent {
  id: number;
  run_id: string;
  run_type: string;
  status: string;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: string;
}

/** A pseudo-event sent to every listener each time the stream opens or reopens. */
export const RECONNECTED: RunEvent = {
  id: 0,
  run_id: '',
  run_type: '',
  status: '',
  event_type: 'ui.reconnected',
  payload: {},
  created_at: '',
};

type Listener = (event: RunEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;

function open(): void {
  // Only events from now on: screens load their current state, then follow.
  source = new EventSource('/v1/events?after=now');
  // Whatever happened before the stream was (re)connected, from a screen's first load to the
  // stream's opening or during a drop, is not in it: screens reload what they show.
  source.onopen = () => listeners.forEach((listener) => listener(RECONNECTED));
  source.onmessage = (message) => {
    const event = JSON.parse(message.data) as RunEvent;
    listeners.forEach((listener) => listener(event));
  };
}

/** Calls `listener` with every event while the component is mounted. */
export function useEvents(listener: Listener, runId?: string): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const subscribed: Listener = (event) => {
      if (!runId || event.run_id === runId || event === RECONNECTED) latest.current(event);
    };
    listeners.add(subscribed);
    if (!source) open();
    return () => {
      listeners.delete(subscribed);
      if (listeners.size === 0) {
        source?.close();
        source = null;
      }
    };
  }, [runId]);
}
