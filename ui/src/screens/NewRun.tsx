// The new-run screen (`/runs/new`): an empty form, or with `?from=<run id>` the form filled in
// from that run's stored request, to run it again with changes.
import { api } from '../api';
import { ErrorBox, Loading } from '../components/Notice';
import { useLoad } from '../components/useLoad';
import { Link, useLocation } from '../router';
import { EMPTY, fromRequest } from './new_run/form';
import { RunForm } from './new_run/RunForm';
import './new_run/new_run.css';

/** The stored request of a run: `GET /v1/runs/{id}/request`, else the run's `run_request`. */
async function storedRequest(runId: string): Promise<Record<string, unknown>> {
  try {
    return await api<Record<string, unknown>>(`/runs/${encodeURIComponent(runId)}/request?format=json`);
  } catch (first) {
    const run = await api<{ run_request?: Record<string, unknown> | null }>(`/runs/${encodeURIComponent(runId)}`).catch(() => {
      throw first;
    });
    if (!run.run_request) throw first;
    return run.run_request;
  }
}

export function NewRun() {
  const from = useLocation().query.get('from') ?? '';
  return (
    <div class="new-run">
      <p class="crumbs">
        <Link href="/runs">Runs</Link> / {from ? 'Run again' : 'New run'}
      </p>
      <h1>{from ? 'Run again' : 'New run'}</h1>
      {from ? <Rerun key={from} runId={from} /> : <RunForm initial={EMPTY} extra={{}} />}
    </div>
  );
}

function Rerun({ runId }: { runId: string }) {
  const plan = runId.startsWith('wr_');
  const loaded = useLoad(() => (plan ? Promise.resolve(null) : storedRequest(runId)), [runId]);
  if (plan) {
    return (
      <ErrorBox title="This is a plan run">
        A plan run is run again from its plan or with Rerun on <Link href={`/runs/${runId}`}>the run’s page</Link>; this form makes task runs.
      </ErrorBox>
    );
  }
  if (loaded.error) {
    return (
      <ErrorBox title={`The request of ${runId} could not be read`}>
        {loaded.error} <Link href="/runs/new">Start from an empty form</Link>.
      </ErrorBox>
    );
  }
  if (!loaded.data) return <Loading />;
  const { values, extra, notes } = fromRequest(loaded.data);
  return (
    <>
      <p class="banner" role="note">
        Filled in from the request of <Link href={`/runs/${runId}`}>{runId}</Link>. Change what you need; a new run is made, the first one stays as it was.
        {notes.map((note) => (
          <span key={note} class="rerun-note">
            {' '}
            {note}
          </span>
        ))}
      </p>
      <RunForm initial={values} extra={extra} />
    </>
  );
}
