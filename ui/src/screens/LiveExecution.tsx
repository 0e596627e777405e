// Live execution: the run's configuration and live status (left), the live browser with Take
// control, and the question or approval the run waits on (centre), the agent's log (right);
// Cancel while it can be canceled; when the run ends, how it ended and a link to its details.
import { useEffect } from 'preact/hooks';
import { Link } from '../router';
import { isCancelable, isTerminal } from '../status';
import { LiveScreen } from '../components/LiveScreen';
import { ErrorBox, Loading } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { AgentLog } from './live/AgentLog';
import { AnswerBox, openQuestion } from './live/AnswerBox';
import { ConfigPanel } from './live/ConfigPanel';
import { EndedPanel } from './live/EndedPanel';
import { ReviewBox, reviewRequest } from './live/ReviewBox';
import { CancelButton } from './run_detail/CancelButton';
import { runName } from './run_detail/types';
import { useRun } from './run_detail/useRun';
import './run_detail/run_detail.css';
import './live/live.css';

export function LiveExecution({ runId }: { runId: string }) {
  const { run, timeline, error, timelineError, setStatus, reload } = useRun(runId);
  useEffect(() => {
    if (run) document.title = `Live: ${runName(run)} · Skyvern appliance`;
  }, [run?.run_id, run?.title]);

  if (error && !run) {
    return (
      <section>
        <h1>Live run {runId}</h1>
        <ErrorBox title="The run could not be loaded">{error}</ErrorBox>
      </section>
    );
  }
  if (!run) return <Loading />;
  const ended = isTerminal(run.status);
  const detail = `/runs/${encodeURIComponent(run.run_id)}`;
  return (
    <section class="live-execution">
      <header class="live-exec-head">
        <div>
          <h1>{runName(run)}</h1>
          <p class="row">
            <StatusBadge status={run.status} />
            <span class="muted">
              Run ID <code>{run.run_id}</code>
            </span>
            <Link href={detail}>Run details</Link>
          </p>
        </div>
        <div class="row">{isCancelable(run.status) && <CancelButton runId={run.run_id} onCanceled={reload} />}</div>
      </header>
      {error && <ErrorBox title="The run could not be refreshed">{error}</ErrorBox>}
      <div class="live-exec">
        <ConfigPanel run={run} timeline={timeline ?? []} />
        <div class="live-centre">
          {run.status === 'interaction_required' && <AnswerBox runId={run.run_id} question={openQuestion(timeline ?? [])} onAnswered={reload} />}
          {run.status === 'review_required' && <ReviewBox runId={run.run_id} request={reviewRequest(timeline ?? [])} onDecided={reload} />}
          <section class="live-panel" aria-labelledby="live-browser-title">
            <h2 id="live-browser-title">Live browser</h2>
            {ended ? (
              <EndedPanel run={run} />
            ) : (
              <LiveScreen path={`/v1/runs/${encodeURIComponent(run.run_id)}/live`} onStatus={setStatus} onEnd={(status) => (setStatus(status), reload())} />
            )}
          </section>
        </div>
        <AgentLog timeline={timeline} error={timelineError} />
      </div>
    </section>
  );
}
