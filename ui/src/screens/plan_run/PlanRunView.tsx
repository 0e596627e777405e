// A plan run's steps: totals, the blocks as a graph with each step's state, a Gantt strip of the
// step runs, tokens and cost per step, and each step's execution trace in a dialog; live.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { ErrorBox, Loading } from '../../components/Notice';
import { StatusBadge } from '../../components/StatusBadge';
import { useLoad } from '../../components/useLoad';
import { useEvents } from '../../events';
import { between, formatCost, formatDuration, formatTokens } from '../../format';
import { isTerminal } from '../../status';
import { Gantt } from './Gantt';
import { PlanGraph } from './PlanGraph';
import { TraceDialog } from './TraceDialog';
import { UsageTable } from './UsageTable';
import type { Block, PlanDefinition, StepNode, StepTree, Trace } from './model';
import { stepRunIds } from './model';
import './plan_run.css';

interface RunInfo {
  run_id: string;
  status: string;
  title?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  workflow_id?: string | null;
  workflow_version_id?: string | null;
}

interface PlanVersion {
  workflow_id: string;
  version: number;
  title: string;
  workflow_definition: PlanDefinition;
}

/** Blocks read off the steps, for when the plan's definition cannot be read. */
function blocksFromSteps(steps: StepNode[]): Block[] {
  const seen = new Map<string, Block>();
  for (const step of steps) {
    if (seen.has(step.label)) continue;
    const inner = (step.iterations ?? []).flatMap((i) => i.steps);
    seen.set(step.label, { block_type: step.kind, label: step.label, ...(step.iterations ? { loop_blocks: blocksFromSteps(inner) } : {}) });
  }
  return [...seen.values()];
}

export function PlanRunView({ runId }: { runId: string }) {
  const state = useLoad(
    () =>
      Promise.all([
        api<RunInfo>(`/runs/${encodeURIComponent(runId)}`),
        api<StepTree>(`/runs/${encodeURIComponent(runId)}/steps`),
        api<Trace[]>(`/runs/${encodeURIComponent(runId)}/traces`),
      ]),
    [runId],
  );
  const [run, tree, traces] = state.data ?? [];
  const planId = run?.workflow_id;
  const versionId = run?.workflow_version_id;
  const plan = useLoad(
    async () => (planId ? (await api<PlanVersion[]>(`/agents/${encodeURIComponent(planId)}/versions`)).find((v) => v.workflow_id === versionId) ?? null : null),
    [planId, versionId],
  );
  const [openStepId, setOpenStepId] = useState<string | null>(null);

  // Live: reload on this run's step and status events, at most a few times a second.
  const pending = useRef<number | null>(null);
  useEvents((event) => {
    if (!['run.step_run', 'run.status_changed', 'ui.reconnected'].includes(event.event_type)) return;
    if (pending.current !== null) return;
    pending.current = window.setTimeout(() => {
      pending.current = null;
      state.reload();
    }, 250);
  }, runId);
  useEffect(() => () => void (pending.current !== null && clearTimeout(pending.current)), []);

  if (!state.data) return state.error ? <ErrorBox title="The steps could not be loaded">{state.error}</ErrorBox> : <Loading />;
  if (!run || !tree || !traces) return <Loading />;

  const definition = plan.data?.workflow_definition;
  const blocks = definition?.blocks?.length ? definition.blocks : blocksFromSteps(tree.steps);
  const all = new Map<string, StepNode>();
  const index = (list: StepNode[]) =>
    list.forEach((s) => {
      all.set(s.step_id, s);
      index(s.steps ?? []);
      (s.iterations ?? []).forEach((i) => index(i.steps));
    });
  index(tree.steps);
  const openStep = openStepId ? all.get(openStepId) ?? null : null;
  const modelsOf = (step: StepNode) => {
    const ids = new Set(stepRunIds(step));
    return [...new Set(traces.filter((t) => t.step_run_id && ids.has(t.step_run_id)).map((t) => t.model))];
  };
  const usage = tree.usage;
  const ended = isTerminal(run.status);

  return (
    <section class="plan-run" aria-label="Plan run steps">
      <h2 class="visually-hidden">Steps</h2>
      <dl class="run-totals">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={run.status} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(between(run.started_at, run.finished_at))}</dd>
        </div>
        <div>
          <dt>Input tokens</dt>
          <dd>{formatTokens(usage.input_tokens)}</dd>
        </div>
        <div>
          <dt>Cached tokens</dt>
          <dd>{formatTokens(usage.cached_tokens)}</dd>
        </div>
        <div>
          <dt>Output tokens</dt>
          <dd>{formatTokens(usage.output_tokens)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatCost(usage.cost_usd)}</dd>
        </div>
      </dl>
      {state.error && <ErrorBox title="The latest update failed">{state.error}</ErrorBox>}
      {plan.error && <p class="muted">The plan's definition could not be read ({plan.error}); the blocks are shown as they ran.</p>}
      <h3>Steps</h3>
      {tree.steps.length === 0 && <p class="empty">No step has run yet{ended ? '' : '; they appear here as they start'}.</p>}
      <PlanGraph
        blocks={blocks}
        finallyLabel={definition?.finally_block_label}
        steps={tree.steps}
        runEnded={ended}
        models={modelsOf}
        onOpen={(step) => setOpenStepId(step.step_id)}
        label="Blocks of the plan"
      />
      <h3>Timeline of step runs</h3>
      <Gantt steps={tree.steps} startedAt={run.started_at} finishedAt={run.finished_at} />
      <h3>Tokens and cost</h3>
      <UsageTable steps={tree.steps} total={usage} />
      <TraceDialog step={openStep} traces={traces} onClose={() => setOpenStepId(null)} />
    </section>
  );
}
