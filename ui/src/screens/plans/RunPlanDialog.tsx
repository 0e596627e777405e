// Runs a plan with parameters: a field per parameter, then `POST /v1/run/agents` and the new
// run's live view.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/Notice';
import { useAction } from '../../components/useAction';
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
  const start = useAction(async (plan: RunnablePlan, chosen: Record<string, unknown>) => {
    const run = await api<{ run_id: string }>('/run/agents', 'POST', { agent_id: plan.workflow_permanent_id, parameters: chosen });
    onClose();
    navigate(`/runs/${run.run_id}/live`);
  });
  useEffect(() => {
    setValues(initialValues(parameters));
    setErrors({});
  }, [plan?.workflow_permanent_id]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!plan) return;
    const read = readValues(parameters, values);
    setErrors(read.errors);
    if (Object.keys(read.errors).length) return;
    start.run(plan, read.values);
  };

  return (
    <Dialog title={plan ? `Run ${plan.title || plan.workflow_permanent_id}` : 'Run'} open={!!plan} onClose={onClose}>
      <form class="dialog-body" onSubmit={submit} noValidate>
        <ParameterFields parameters={parameters} values={values} errors={errors} onChange={setValues} idPrefix="run-param" />
        {start.error && <ErrorBox title="The run was not started">{start.error}</ErrorBox>}
        <div class="dialog-actions flush">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={start.busy}>
            {start.busy ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
