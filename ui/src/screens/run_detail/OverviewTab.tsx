// Overview: the browser on the left (the live picture while the run is live, else the latest
// screenshot or the selected card's) and the timeline on the right, with its counters.
import { isTerminal } from '../../status';
import { LiveScreen } from '../../components/LiveScreen';
import { ErrorBox, Loading } from '../../components/Notice';
import { Timeline, counts } from './Timeline';
import { artifactUrl, type Run, type TimelineItem } from './types';

function Screenshot({ src, alt }: { src: string | null; alt: string }) {
  return (
    <div class="screen">
      {src ? <img src={src} alt={alt} /> : <p class="screen-note">No screenshot yet.</p>}
    </div>
  );
}

export function OverviewTab(props: {
  run: Run;
  timeline: TimelineItem[] | undefined;
  timelineError?: string;
  selected: TimelineItem | null;
  onSelect: (item: TimelineItem | null) => void;
  onStatus: (status: string) => void;
}) {
  const { run, timeline, selected } = props;
  const live = !isTerminal(run.status);
  const tally = counts(timeline ?? []);
  const selectedShot = selected?.screenshot_artifact_id ? artifactUrl(selected.screenshot_artifact_id) : null;
  const latest = run.screenshot_urls?.[0] ?? null;
  const label = selected ? `${selected.action_number != null ? `#${selected.action_number} ` : ''}${selected.label}` : '';
  return (
    <div class="overview">
      <section class="overview-browser" aria-label="Browser">
        {selected ? (
          <>
            <div class="row spread">
              <h2>Screenshot of {label}</h2>
              <button type="button" class="secondary small" onClick={() => props.onSelect(null)}>
                {live ? 'Back to the live browser' : 'Show the latest screenshot'}
              </button>
            </div>
            {selectedShot ? (
              <Screenshot src={selectedShot} alt={`Screenshot after ${label}`} />
            ) : (
              <p class="empty">This card has no screenshot.</p>
            )}
          </>
        ) : live ? (
          <LiveScreen path={`/v1/runs/${encodeURIComponent(run.run_id)}/live`} onStatus={props.onStatus} onEnd={props.onStatus} />
        ) : (
          <>
            <h2>Latest screenshot</h2>
            <Screenshot src={latest} alt="The page as the run left it" />
          </>
        )}
      </section>
      <section class="overview-timeline" aria-labelledby="timeline-title">
        <div class="row spread">
          <h2 id="timeline-title">Timeline</h2>
          <dl class="counters">
            <div>
              <dt>Actions</dt>
              <dd>{run.action_count ?? tally.actions}</dd>
            </div>
            <div>
              <dt>Steps</dt>
              <dd>{run.step_count ?? tally.steps}</dd>
            </div>
          </dl>
        </div>
        {props.timelineError && <ErrorBox>{props.timelineError}</ErrorBox>}
        {!timeline && !props.timelineError && <Loading />}
        {timeline && <Timeline items={timeline} selectedId={selected?.id ?? null} onSelect={(item) => props.onSelect(item)} />}
      </section>
    </div>
  );
}
