// Tokens (input, cached, output) and cost per step, a loop's items under it, and the run's total.
import { Fragment } from 'preact';
import { formatCost, formatTokens } from '../../format';
import type { StepNode, Usage } from './model';
import { iterationSummary } from './model';

function Cells({ usage }: { usage: Usage }) {
  return (
    <>
      <td class="num">{formatTokens(usage.input_tokens)}</td>
      <td class="num">{formatTokens(usage.cached_tokens)}</td>
      <td class="num">{formatTokens(usage.output_tokens)}</td>
      <td class="num">{formatCost(usage.cost_usd)}</td>
    </>
  );
}

export function UsageTable({ steps, total }: { steps: StepNode[]; total: Usage }) {
  const shown = steps.filter((s) => s.status !== 'skipped');
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Tokens and cost per step">
      <table class="usage-table">
        <caption class="visually-hidden">Tokens and cost per step</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col" class="num">Input</th>
            <th scope="col" class="num">Cached</th>
            <th scope="col" class="num">Output</th>
            <th scope="col" class="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((step) => (
            <Fragment key={step.step_id}>
              <tr>
                <th scope="row">{step.label}</th>
                <Cells usage={step.usage} />
              </tr>
              {(step.iterations ?? []).map((iteration) => (
                <tr key={`${step.step_id}-${iteration.index}`} class="sub-row">
                  <th scope="row">
                    {step.label} #{iteration.index + 1}
                  </th>
                  <Cells usage={iterationSummary(iteration).usage} />
                </tr>
              ))}
            </Fragment>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <Cells usage={total} />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
