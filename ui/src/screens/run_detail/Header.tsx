// The run's header: its name, live status, id with a copy button, and what can be done with it
// (API & Webhooks, Edit, Rerun, Cancel, Watch live).
import { useState } from 'preact/hooks';
import { Link } from '../../router';
import { isCancelable, isTerminal } from '../../status';
import { CopyButton } from '../../components/CopyButton';
import { StatusBadge } from '../../components/StatusBadge';
import { ApiDialog } from './ApiDialog';
import { CancelButton } from './CancelButton';
import { isPlanRun, runName, type Run } from './types';

export function Header({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const [apiOpen, setApiOpen] = useState(false);
  const ended = isTerminal(run.status);
  // A plan run names its plan as `workflow_id` (the `wpid_…`), as Skyvern's run response does.
  const planId = run.workflow_permanent_id ?? (typeof run.workflow_id === 'string' && run.workflow_id.startsWith('wpid_') ? run.workflow_id : null);
  return (
    <header class="run-header">
      <div class="run-title">
        <h1>{runName(run)}</h1>
        <div class="row">
          <StatusBadge status={run.status} />
          <span class="muted">
            Run ID <code>{run.run_id}</code>
          </span>
          <CopyButton text={run.run_id} label="Copy run ID" />
          {run.rerun_of && (
            <span class="muted">
              Rerun of <Link href={`/runs/${encodeURIComponent(run.rerun_of)}`}>{run.rerun_of}</Link>
            </span>
          )}
        </div>
      </div>
      <div class="row run-actions">
        <button type="button" class="secondary" onClick={() => setApiOpen(true)}>
          API &amp; Webhooks
        </button>
        {isPlanRun(run.run_id) && planId && (
          <Link class="button secondary" href={`/plans/${encodeURIComponent(planId)}`}>
            Edit
          </Link>
        )}
        {!ended && (
          <Link class="button secondary" href={`/runs/${encodeURIComponent(run.run_id)}/live`}>
            Watch live
          </Link>
        )}
        {ended && (
          <Link class="button" href={`/runs/new?from=${encodeURIComponent(run.run_id)}`}>
            Rerun
          </Link>
        )}
        {isCancelable(run.status) && <CancelButton runId={run.run_id} onCanceled={onChanged} />}
      </div>
      <ApiDialog runId={run.run_id} open={apiOpen} onClose={() => setApiOpen(false)} />
    </header>
  );
}
