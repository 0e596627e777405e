// Runs a plan with parameters: a field per parameter, then `POST /v1/run/agents` and the new
// run's live view.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/Notice';
import { navigate } from '../../router';
import type { Parameter } from '../plan_run/model';
import { ParameterFields, initialValues, readValues, workflowParameters, type Values } from './ParameterFields';

export interface RunnablePlan {
  workflow_permanent_id: string;
  title: string;
  workflow_definition: { parameters?: Parameter[] };
}

export function RunPlanDialog({ plan, onClose }: { plan: RunnablePlan | null; onClose: () => void }) {
  const parameters = workflowParameters(plan?.workflow_definition.parameters);
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setValues(initialValues(parameters));
    setErrors({});
    setFailure(undefined);
  }, [plan?.workflow_permanent_id]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!plan) return;
    const read = readValues(parameters, values);
    setErrors(read.errors);
    if (Object.keys(read.errors).length) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const run = await api<{ run_id: string }>('/run/agents', 'POST', { agent_id: plan.workflow_permanent_id, parameters: read.values });
      onClose();
      navigate(`/runs/${run.run_id}/live`);
    } catch (e) {
      setFailure((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={plan ? `Run ${plan.title || plan.workflow_permanent_id}` : 'Run'} open={!!plan} onClose={onClose}>
      <form class="dialog-body" onSubmit={submit} noValidate>
        <ParameterFields parameters={parameters} values={values} errors={errors} onChange={setValues} idPrefix="run-param" />
        {failure && <ErrorBox title="The run was not started">{failure}</ErrorBox>}
        <div class="dialog-actions flush">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
