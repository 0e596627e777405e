// One run in a status group: what it does, its plan, status, duration, steps, tokens, cost and
// when it was made; the whole row opens the run.
import { StatusBadge } from '../../components/StatusBadge';
import { formatCost, formatTime, formatTokens } from '../../format';
import { Link } from '../../router';
import { isTerminal } from '../../status';
import { Duration } from './Duration';
import { Matches } from './Matches';
import { costOf, tokensOf, type RunItem } from './types';

/** The words a row is known by: its title, else its goal, else where it starts. */
export function runName(run: RunItem): string {
  const text = run.title?.trim() || run.prompt?.trim() || (run.url ? `Run at ${run.url}` : '');
  return text || 'Untitled run';
}

/** A creation time short enough for its column; the full stamp is its tooltip. */
function shortTime(stamp: string): string {
  const date = new Date(stamp);
  if (Number.isNaN(date.getTime())) return stamp;
  const today = new Date().toDateString() === date.toDateString();
  return today ? `Today, ${date.toLocaleTimeString(undefined, { timeStyle: 'short' })}` : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function count(n: number | null | undefined) {
  return n == null ? <span class="muted">—</span> : String(n);
}

export function RunRow({ run }: { run: RunItem }) {
  const name = runName(run);
  const plan = run.workflow_permanent_id;
  return (
    <tr class="run-row">
      <td class="run-name" data-label="Run">
        <Link href={`/runs/${run.run_id}`} class="run-link" title={name.length > 120 ? name : undefined}>
          {name.length > 120 ? `${name.slice(0, 117)}…` : name}
        </Link>
        <div class="run-sub muted">
          <code>{run.run_id}</code>
          {run.title && run.prompt && <span class="run-goal"> · {run.prompt}</span>}
        </div>
        {run.matches && <Matches matches={run.matches} />}
      </td>
      <td data-label="Plan">
        {plan ? (
          <Link href={`/plans/${plan}`} class="run-plan">
            {run.workflow_title || plan}
          </Link>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td data-label="Status">
        <StatusBadge status={run.status} />
      </td>
      <td data-label="Duration">
        <Duration start={run.started_at} end={run.finished_at} live={!isTerminal(run.status)} />
      </td>
      <td data-label="Steps">
        {count(run.step_count)}
        {run.action_count != null && <span class="muted action-count"> ({run.action_count} actions)</span>}
      </td>
      <td data-label="Tokens">{formatTokens(tokensOf(run.usage))}</td>
      <td data-label="Cost">{formatCost(costOf(run.usage))}</td>
      <td data-label="Created">
        <time dateTime={run.created_at} title={formatTime(run.created_at)}>
          {shortTime(run.created_at)}
        </time>
      </td>
    </tr>
  );
}
