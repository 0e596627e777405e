// Above the tabs: what the run extracted (on success), or why it failed, in a red box.
import { ErrorBox } from '../../components/Notice';
import { JsonView } from '../../components/JsonView';
import type { Run } from './types';

export function Outcome({ run }: { run: Run }) {
  const errors = run.errors ?? [];
  if (run.failure_reason || errors.length > 0) {
    return (
      <section aria-label="Failure reason" class="outcome">
        <ErrorBox title="Failure reason">
          {run.failure_reason && <p class="failure-text">{run.failure_reason}</p>}
          {errors.length > 0 && (
            <ul class="failure-errors">
              {errors.map((error, i) => (
                <li key={i}>
                  {error.type && <span class="error-type">{error.type}</span>} {error.code && <code>{error.code}</code>} {error.message}
                </li>
              ))}
            </ul>
          )}
        </ErrorBox>
      </section>
    );
  }
  if (run.status === 'completed' && run.output != null) {
    return (
      <section aria-labelledby="extracted-title" class="outcome panel">
        <h2 id="extracted-title">Extracted information</h2>
        <JsonView value={run.output} label="Extracted information" />
      </section>
    );
  }
  return null;
}
