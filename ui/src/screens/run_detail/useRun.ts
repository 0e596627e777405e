// A run and its timeline, kept current from the live event stream while the screen is shown.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { useEvents } from '../../events';
import type { Run, TimelineItem } from './types';

export interface LiveRun {
  run: Run | undefined;
  timeline: TimelineItem[] | undefined;
  error: string | undefined;
  timelineError: string | undefined;
  /** Sets the status at once (from the live view), before the next reload. */
  setStatus: (status: string) => void;
  reload: () => void;
}

export function useRun(runId: string): LiveRun {
  const [run, setRun] = useState<Run>();
  const [timeline, setTimeline] = useState<TimelineItem[]>();
  const [error, setError] = useState<string>();
  const [timelineError, setTimelineError] = useState<string>();
  const timers = useRef<{ run?: number; timeline?: number }>({});
  const current = useRef(runId);
  current.current = runId;

  const loadRun = () =>
    api<Run>(`/runs/${encodeURIComponent(runId)}`)
      .then((value) => current.current === runId && (setRun(value), setError(undefined)))
      .catch((e: Error) => setError(e.message));
  const loadTimeline = () =>
    api<TimelineItem[]>(`/runs/${encodeURIComponent(runId)}/timeline`)
      .then((value) => current.current === runId && (setTimeline(value), setTimelineError(undefined)))
      .catch((e: Error) => setTimelineError(e.message));

  // Many events come in bursts: one reload for each burst.
  const soon = (what: 'run' | 'timeline') => {
    if (timers.current[what]) return;
    timers.current[what] = window.setTimeout(() => {
      timers.current[what] = undefined;
      void (what === 'run' ? loadRun() : loadTimeline());
    }, 150);
  };

  useEffect(() => {
    setRun(undefined);
    setTimeline(undefined);
    void loadRun();
    void loadTimeline();
    return () => {
      window.clearTimeout(timers.current.run);
      window.clearTimeout(timers.current.timeline);
      timers.current = {};
    };
  }, [runId]);

  useEvents((event) => {
    if (event.event_type === 'run.timeline_item' || event.event_type === 'run.artifact') soon('timeline');
    if (event.event_type === 'run.timeline_item') soon('run');
    if (event.event_type === 'run.status_changed' || event.event_type === 'ui.reconnected' || event.event_type.includes('_run.')) {
      if (event.status) setRun((old) => (old ? { ...old, status: event.status } : old));
      soon('run');
      soon('timeline');
    }
    if (event.event_type === 'run.artifact') soon('run');
  }, runId);

  return {
    run,
    timeline,
    error,
    timelineError,
    setStatus: (status) => setRun((old) => (old && old.status !== status ? { ...old, status } : old)),
    reload: () => {
      void loadRun();
      void loadTimeline();
    },
  };
}
