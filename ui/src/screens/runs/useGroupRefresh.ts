// Which status groups must load again as runs change: a status change touches the group the run
// left and the one it entered, a step's start or end the run's own group (its counts); changes
// are gathered for a moment so a burst loads once, and a steady stream cannot put a load off.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useEvents } from '../../events';
import { GROUPS } from '../../status';

const DEBOUNCE_MS = 300;

function groupOf(status: unknown): string | undefined {
  return GROUPS.find((group) => (group.statuses as readonly string[]).includes(String(status)))?.key;
}

/** A counter per group key that grows whenever the group should reload. */
export function useGroupRefresh(): Record<string, number> {
  const [counters, setCounters] = useState<Record<string, number>>({});
  const pending = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);

  const schedule = (keys: string[]) => {
    keys.forEach((key) => pending.current.add(key));
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      const due = [...pending.current];
      pending.current.clear();
      setCounters((old) => {
        const next = { ...old };
        for (const key of due) next[key] = (next[key] ?? 0) + 1;
        return next;
      });
    }, DEBOUNCE_MS);
  };

  useEvents((event) => {
    if (event.event_type === 'ui.reconnected') {
      schedule(GROUPS.map((group) => group.key));
    } else if (event.event_type === 'run.status_changed') {
      const keys = [groupOf(event.payload.from), groupOf(event.payload.status ?? event.status)];
      schedule(keys.filter((key): key is string => !!key));
    } else if (event.event_type === 'run.step_run') {
      const key = groupOf(event.status);
      if (key) schedule([key]);
    }
  });
  return counters;
}
