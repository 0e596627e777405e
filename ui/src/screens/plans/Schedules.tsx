// A plan's schedules: the list (cron, zone, parameters, on or paused), a form to add one, and
// enable / disable / delete on each.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { ConfirmDialog } from '../../components/Dialog';
import { Empty, ErrorBox, Loading } from '../../components/Notice';
import { useAction } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';
import { formatTime } from '../../format';
import type { Parameter } from '../plan_run/model';
import { ParameterFields, initialValues, readValues, workflowParameters, type Values } from './ParameterFields';

interface Schedule {
  workflow_schedule_id: string;
  cron_expression: string;
  timezone: string;
  enabled: boolean;
  parameters: Record<string, unknown> | null;
  created_at: string;
  name?: string | null;
}

const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const ZONES: string[] = (() => {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [LOCAL_ZONE, 'UTC'];
})();

export function Schedules({ planId, parameters }: { planId: string; parameters: Parameter[] | undefined }) {
  const base = `/agents/${encodeURIComponent(planId)}/schedules`;
  const list = useLoad(() => api<{ schedules: Schedule[] }>(base), [planId]);
  const [failure, setFailure] = useState<string>();
  const [deleting, setDeleting] = useState<Schedule | null>(null);
  const act = async (work: () => Promise<unknown>) => {
    setFailure(undefined);
    try {
      await work();
    } catch (e) {
      setFailure((e as Error).message);
    }
    list.reload();
  };
  const schedules = list.data?.schedules ?? [];
  return (
    <section class="panel schedules" aria-labelledby="schedules-title">
      <h2 id="schedules-title">Schedules</h2>
      {list.error && <ErrorBox title="The schedules could not be loaded">{list.error}</ErrorBox>}
      {failure && <ErrorBox title="That did not work">{failure}</ErrorBox>}
      {list.loading && !list.data && <Loading />}
      {list.data && schedules.length === 0 && <Empty>No schedules: this plan runs only when asked.</Empty>}
      {schedules.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Schedules of this plan">
          <table>
            <caption class="visually-hidden">Schedules of this plan</caption>
            <thead>
              <tr>
                <th scope="col">When (cron)</th>
                <th scope="col">Time zone</th>
                <th scope="col">Parameters</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {schedules.map((s) => (
                <tr key={s.workflow_schedule_id} data-schedule={s.workflow_schedule_id}>
                  <th scope="row">
                    <code>{s.cron_expression}</code>
                    <div class="muted small-text">created {formatTime(s.created_at)}</div>
                  </th>
                  <td>{s.timezone}</td>
                  <td>
                    <code class="params">{s.parameters && Object.keys(s.parameters).length ? JSON.stringify(s.parameters) : '—'}</code>
                  </td>
                  <td>
                    <span class={s.enabled ? 'badge badge-completed' : 'badge badge-paused'}>{s.enabled ? 'enabled' : 'disabled'}</span>
                  </td>
                  <td class="actions">
                    <button
                      type="button"
                      class="secondary small"
                      onClick={() => act(() => api(`${base}/${s.workflow_schedule_id}/${s.enabled ? 'disable' : 'enable'}`, 'POST'))}
                      aria-label={`${s.enabled ? 'Disable' : 'Enable'} the schedule ${s.cron_expression}`}
                    >
                      {s.enabled ? 'Disable' : 'Enable'}
                    </button>{' '}
                    <button type="button" class="danger small" onClick={() => setDeleting(s)} aria-label={`Delete the schedule ${s.cron_expression}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewSchedule base={base} parameters={workflowParameters(parameters)} onCreated={list.reload} />
      <ConfirmDialog
        title="Delete this schedule?"
        message={
          <p>
            The schedule <code>{deleting?.cron_expression}</code> ({deleting?.timezone}) will start no more runs. Runs it started are kept.
          </p>
        }
        confirm="Delete schedule"
        danger
        open={!!deleting}
        onConfirm={() => deleting && act(() => api(`${base}/${deleting.workflow_schedule_id}`, 'DELETE'))}
        onClose={() => setDeleting(null)}
      />
    </section>
  );
}

function NewSchedule({ base, parameters, onCreated }: { base: string; parameters: Parameter[]; onCreated: () => void }) {
  const [cron, setCron] = useState('0 9 * * 1-5');
  const [zone, setZone] = useState(LOCAL_ZONE);
  const [values, setValues] = useState<Values>(() => initialValues(parameters));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [next, setNext] = useState<string[]>([]);
  const add = useAction(async (chosen: Record<string, unknown>) => {
    const made = await api<{ next_runs?: string[] }>(base, 'POST', { cron_expression: cron.trim(), timezone: zone.trim(), parameters: chosen });
    setNext(made.next_runs ?? []);
    onCreated();
  });
  const submit = (event: Event) => {
    event.preventDefault();
    const read = readValues(parameters, values);
    setErrors(read.errors);
    if (Object.keys(read.errors).length) return;
    add.run(read.values);
  };
  return (
    <form class="new-schedule" onSubmit={submit} noValidate>
      <h3>New schedule</h3>
      <div class="grid-2">
        <div class="field">
          <label for="schedule-cron">Cron expression</label>
          <input id="schedule-cron" value={cron} onInput={(e) => setCron((e.target as HTMLInputElement).value)} aria-describedby="schedule-cron-hint" />
          <div class="hint" id="schedule-cron-hint">
            minute hour day-of-month month day-of-week, e.g. <code>0 9 * * 1-5</code> (weekdays at 9:00); at least 5 minutes apart.
          </div>
        </div>
        <div class="field">
          <label for="schedule-zone">Time zone</label>
          <input id="schedule-zone" list="schedule-zones" value={zone} onInput={(e) => setZone((e.target as HTMLInputElement).value)} aria-describedby="schedule-zone-hint" />
          <datalist id="schedule-zones">
            {ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <div class="hint" id="schedule-zone-hint">
            An IANA zone such as Europe/Paris.
          </div>
        </div>
      </div>
      {parameters.length > 0 && (
        <fieldset class="schedule-params">
          <legend>Parameters for its runs</legend>
          <ParameterFields parameters={parameters} values={values} errors={errors} onChange={setValues} idPrefix="schedule-param" />
        </fieldset>
      )}
      {add.error && <ErrorBox title="The schedule was not saved">{add.error}</ErrorBox>}
      <button type="submit" disabled={add.busy}>
        {add.busy ? 'Adding…' : 'Add schedule'}
      </button>
      {next.length > 0 && (
        <p class="muted" role="status">
          Added. Next runs: {next.slice(0, 3).map(formatTime).join(', ')}
        </p>
      )}
    </form>
  );
}
