// A run's page: header (status, id, actions), what it extracted or why it failed, and its tabs
// (Overview, Output, Parameters, Recording, Code, and Steps for plan runs), all kept live.
import { useEffect, useState } from 'preact/hooks';
import { navigate, useLocation } from '../router';
import { ErrorBox, Loading } from '../components/Notice';
import { formatTime } from '../format';
import { PlanRunView } from './plan_run/PlanRunView';
import { AnswerBox, openQuestion } from './live/AnswerBox';
import { ReviewBox, reviewRequest } from './live/ReviewBox';
import { CodeTab } from './run_detail/CodeTab';
import { Header } from './run_detail/Header';
import { Outcome } from './run_detail/Outcome';
import { OutputTab } from './run_detail/OutputTab';
import { OverviewTab } from './run_detail/OverviewTab';
import { ParametersTab } from './run_detail/ParametersTab';
import { RecordingTab } from './run_detail/RecordingTab';
import { Tabs, type TabSpec } from './run_detail/Tabs';
import { isPlanRun, runName, type TimelineItem } from './run_detail/types';
import { useRun } from './run_detail/useRun';
import './run_detail/run_detail.css';

const TABS: TabSpec[] = [
  { key: 'overview', label: 'Overview' },
  { key: 'output', label: 'Output' },
  { key: 'parameters', label: 'Parameters' },
  { key: 'recording', label: 'Recording' },
  { key: 'code', label: 'Code' },
];

export function RunDetail({ runId }: { runId: string }) {
  const { run, timeline, error, timelineError, setStatus, reload } = useRun(runId);
  // The tab is part of the address, so a link or a reload opens the same one.
  const tab = useLocation().query.get('tab') ?? 'overview';
  const setTab = (key: string) => navigate(key === 'overview' ? `/runs/${runId}` : `/runs/${runId}?tab=${key}`, true);
  const [selected, setSelected] = useState<TimelineItem | null>(null);
  useEffect(() => setSelected(null), [runId]);
  useEffect(() => {
    if (run) document.title = `${runName(run)} · Skyvern appliance`;
  }, [run?.run_id, run?.title]);

  if (error && !run) {
    return (
      <section>
        <h1>Run {runId}</h1>
        <ErrorBox title="The run could not be loaded">{error}</ErrorBox>
      </section>
    );
  }
  if (!run) return <Loading />;
  const tabs = isPlanRun(runId) ? [...TABS, { key: 'steps', label: 'Steps' }] : TABS;
  return (
    <section class="run-detail">
      <Header run={run} onChanged={reload} />
      {error && <ErrorBox title="The run could not be refreshed">{error}</ErrorBox>}
      {run.status === 'review_required' && <ReviewBox runId={run.run_id} request={reviewRequest(timeline ?? [])} onDecided={reload} />}
      {run.status === 'interaction_required' && <AnswerBox runId={run.run_id} question={openQuestion(timeline ?? [])} onAnswered={reload} />}
      <Outcome run={run} />
      {run.artifacts_removed_at && (
        <p class="banner" data-testid="files-removed">
          Its files (screenshots, recording, downloads) were removed by retention on {formatTime(run.artifacts_removed_at)}.
        </p>
      )}
      <Tabs label="Run details" tabs={tabs} selected={tab} onSelect={setTab}>
        {tab === 'overview' && (
          <OverviewTab run={run} timeline={timeline} timelineError={timelineError} selected={selected} onSelect={setSelected} onStatus={setStatus} />
        )}
        {tab === 'output' && <OutputTab run={run} />}
        {tab === 'parameters' && <ParametersTab run={run} selected={selected} />}
        {tab === 'recording' && <RecordingTab run={run} timeline={timeline ?? []} />}
        {tab === 'code' && <CodeTab run={run} />}
        {tab === 'steps' && <PlanRunView runId={runId} />}
      </Tabs>
    </section>
  );
}
