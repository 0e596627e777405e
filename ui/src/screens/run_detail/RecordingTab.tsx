// Recording: the run's video with scrubbing, and a chapter mark at each action that seeks the
// video there; or why there is no recording, as the API says.
import { useRef } from 'preact/hooks';
import { api } from '../../api';
import { Empty, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { isTerminal } from '../../status';
import { flatten, type Run, type TimelineItem } from './types';

/** `m:ss.s` (tenths: short runs act within a second). */
function clock(seconds: number): string {
  const tenths = Math.max(0, Math.floor(seconds * 10));
  const s = Math.floor(tenths / 10);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}.${tenths % 10}`;
}

function NoRecording({ run }: { run: Run }) {
  // Without a recording the route answers why (404 no_recording, 409 recording_in_progress).
  const why = useLoad(
    () =>
      api(`/runs/${encodeURIComponent(run.run_id)}/recording`).then(
        () => 'The recording is not ready yet.',
        (e: Error) => e.message,
      ),
    [run.run_id, run.status],
  );
  return (
    <div class="no-recording">
      <p>
        <strong>No recording available</strong>
      </p>
      {why.loading ? <Loading /> : <p class="muted">{why.data}</p>}
    </div>
  );
}

export function RecordingTab({ run, timeline }: { run: Run; timeline: TimelineItem[] }) {
  const video = useRef<HTMLVideoElement>(null);
  if (!run.recording_url) {
    return isTerminal(run.status) ? <NoRecording run={run} /> : <Empty>The recording is kept once the run ends; watch it live meanwhile.</Empty>;
  }
  const start = Date.parse(run.started_at ?? run.created_at ?? '');
  const chapters = flatten(timeline)
    .map((row) => row.item)
    .filter((item) => item.kind === 'action')
    .map((item) => ({ item, at: Number.isFinite(start) ? Math.max(0, (Date.parse(item.started_at) - start) / 1000) : 0 }));
  return (
    <div class="recording">
      <div class="screen">
        <video ref={video} controls preload="metadata" src={run.recording_url} aria-label="Recording of the run">
          Your browser cannot play this video; <a href={run.recording_url}>download it</a>.
        </video>
      </div>
      <h2>Chapters</h2>
      {chapters.length === 0 ? (
        <Empty>The run took no action.</Empty>
      ) : (
        <ol class="chapters">
          {chapters.map(({ item, at }) => (
            <li key={item.id}>
              <button
                type="button"
                class="ghost chapter"
                data-seconds={at.toFixed(2)}
                onClick={() => {
                  const v = video.current;
                  if (!v) return;
                  v.currentTime = at;
                  v.focus();
                }}
              >
                <span class="chapter-time">{clock(at)}</span> #{item.action_number} {item.label}
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
