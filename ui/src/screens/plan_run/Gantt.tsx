// The run's step runs over time: one row per block step (a loop's items each get theirs), a bar
// per attempt placed by its start and finish relative to the run's start, and a time axis.
import { formatDuration } from '../../format';
import type { StepNode } from './model';

interface Row {
  key: string;
  label: string;
  bars: { id: string; attempt: number; status: string; start: number; end: number }[];
}

const STEPS = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

function rowsOf(steps: StepNode[], origin: number, now: number, prefix = ''): Row[] {
  const rows: Row[] = [];
  for (const step of steps) {
    if (step.status === 'skipped') continue;
    const bars = step.attempts
      .filter((a) => a.status !== 'skipped' && a.started_at)
      .map((a) => ({
        id: a.step_run_id,
        attempt: a.attempt,
        status: a.status,
        start: Date.parse(a.started_at) - origin,
        end: (a.finished_at ? Date.parse(a.finished_at) : now) - origin,
      }));
    const label = `${prefix}${step.label}${step.visit > 1 ? ` (visit ${step.visit})` : ''}`;
    if (bars.length) rows.push({ key: step.step_id, label, bars });
    for (const iteration of step.iterations ?? []) rows.push(...rowsOf(iteration.steps, origin, now, `#${iteration.index + 1} › `));
  }
  return rows;
}

export function Gantt({ steps, startedAt, finishedAt }: { steps: StepNode[]; startedAt?: string | null; finishedAt?: string | null }) {
  const now = Date.now();
  const starts: number[] = [];
  const collect = (list: StepNode[]) =>
    list.forEach((s) => {
      s.attempts.forEach((a) => a.started_at && a.status !== 'skipped' && starts.push(Date.parse(a.started_at)));
      (s.iterations ?? []).forEach((i) => collect(i.steps));
    });
  collect(steps);
  if (!starts.length) return <p class="empty">No step has started yet.</p>;
  const origin = startedAt ? Math.min(Date.parse(startedAt), ...starts) : Math.min(...starts);
  const rows = rowsOf(steps, origin, now);
  const lastEnd = Math.max(...rows.flatMap((r) => r.bars.map((b) => b.end)));
  const total = Math.max(1, finishedAt ? Math.max(Date.parse(finishedAt) - origin, lastEnd) : lastEnd);
  const tick = STEPS.find((s) => total / s <= 6) ?? 3_600_000;
  const ticks: number[] = [];
  for (let t = 0; t <= total; t += tick) ticks.push(t);
  const pct = (ms: number) => `${Math.min(100, Math.max(0, (ms / total) * 100))}%`;
  return (
    <div class="gantt">
      <ol class="gantt-rows" aria-label="Step runs over time">
        {rows.map((row) => (
          <li key={row.key} class="gantt-row">
            <span class="gantt-label" title={row.label}>
              {row.label}
            </span>
            <span class="gantt-track">
              {row.bars.map((bar) => (
                <span
                  key={bar.id}
                  class={`gantt-bar bar-${bar.status}`}
                  style={{ left: pct(bar.start), width: `max(3px, ${pct(bar.end - bar.start)})` }}
                  title={`${row.label}, attempt ${bar.attempt}: ${bar.status}, ${formatDuration(bar.end - bar.start)} from +${formatDuration(bar.start)}`}
                >
                  <span class="visually-hidden">
                    attempt {bar.attempt} {bar.status.replace(/_/g, ' ')}, {formatDuration(bar.end - bar.start)}, starting at +{formatDuration(bar.start)}
                  </span>
                </span>
              ))}
            </span>
          </li>
        ))}
      </ol>
      <div class="gantt-axis" aria-hidden="true">
        <span class="gantt-label" />
        <span class="gantt-track">
          {ticks.map((t) => (
            <span key={t} class="gantt-tick" style={{ left: pct(t) }}>
              {t === 0 ? '0' : formatDuration(t)}
            </span>
          ))}
        </span>
      </div>
      <p class="gantt-legend muted">
        <span class="legend bar-completed" /> completed <span class="legend bar-failed" /> failed (striped) <span class="legend bar-running" /> running
        <span class="legend bar-canceled" /> canceled
      </p>
      <details class="gantt-times">
        <summary>Times of each step run</summary>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Times of each step run">
          <table>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Attempt</th>
                <th scope="col">Status</th>
                <th scope="col">Started after</th>
                <th scope="col">Took</th>
              </tr>
            </thead>
            <tbody>
              {rows.flatMap((row) =>
                row.bars.map((bar) => (
                  <tr key={bar.id}>
                    <th scope="row">{row.label}</th>
                    <td>{bar.attempt}</td>
                    <td>{bar.status.replace(/_/g, ' ')}</td>
                    <td>{formatDuration(bar.start)}</td>
                    <td>{formatDuration(bar.end - bar.start)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
