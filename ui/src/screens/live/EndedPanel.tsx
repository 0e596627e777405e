// Shown in place of the live browser once the run ended: how it ended, the link to its page,
// and its recording when there is one.
import { Link } from '../../router';
import { StatusBadge } from '../../components/StatusBadge';
import type { Run } from '../run_detail/types';

export function EndedPanel({ run }: { run: Run }) {
  return (
    <div class="ended" role="status">
      <p>
        The run ended <StatusBadge status={run.status} />. The live stream is closed.{' '}
        <Link href={`/runs/${encodeURIComponent(run.run_id)}`}>Open the run's details</Link>
      </p>
      {run.failure_reason && <p class="card-error">{run.failure_reason}</p>}
      {run.recording_url ? (
        <div class="screen">
          <video controls preload="metadata" src={run.recording_url} aria-label="Recording of the run" />
        </div>
      ) : (
        <p class="muted">No recording to show here{run.status === 'canceled' ? ' (the run may have ended before its browser started)' : ''}.</p>
      )}
    </div>
  );
}
