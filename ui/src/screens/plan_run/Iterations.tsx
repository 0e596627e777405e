// A loop step's items: each with its value, status, duration, tokens and output, and the steps
// of the loop's blocks it ran (each opens its trace).
import { useState } from 'preact/hooks';
import { StatusBadge } from '../../components/StatusBadge';
import { formatCost, formatDuration, formatTokens } from '../../format';
import type { CardContext } from './BlockCard';
import type { Block, StepNode } from './model';
import { iterationSummary, preview } from './model';

export function Iterations({ step, block, ctx }: { step: StepNode; block: Block; ctx: CardContext }) {
  const iterations = step.iterations ?? [];
  const [open, setOpen] = useState(iterations.length <= 10);
  return (
    <div class="iterations">
      <button type="button" class="ghost small" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide' : 'Show'} {iterations.length} {iterations.length === 1 ? 'iteration' : 'iterations'}
      </button>
      {open && (
        <ol class="iteration-list" aria-label={`Iterations of ${block.label}`}>
          {iterations.map((iteration) => {
            const sum = iterationSummary(iteration);
            const used = sum.usage.input_tokens + sum.usage.output_tokens > 0;
            const last = iteration.steps[iteration.steps.length - 1];
            const text = last ? preview(last.failure_reason ?? last.output, 80) : '';
            const out = text === sum.status ? '' : text;
            return (
              <li key={iteration.index} class="iteration">
                <div class="iteration-head">
                  <span class="iteration-name">
                    #{iteration.index + 1} <span class="muted">{preview(iteration.value, 40)}</span>
                  </span>
                  <StatusBadge status={sum.status} />
                </div>
                <p class="block-meta">
                  {formatDuration(sum.duration)}
                  {used && ` · ${formatTokens(sum.usage.input_tokens)} in · ${formatTokens(sum.usage.cached_tokens)} cached · ${formatTokens(sum.usage.output_tokens)} out · ${formatCost(sum.usage.cost_usd)}`}
                </p>
                <ul class="iteration-steps">
                  {iteration.steps.map((inner) => (
                    <li key={inner.step_id}>
                      <button
                        type="button"
                        class="linkish"
                        onClick={() => ctx.open(inner)}
                        aria-label={`${inner.label}, item ${iteration.index + 1}: open the step's trace`}
                      >
                        {inner.label}
                      </button>{' '}
                      <StatusBadge status={inner.status ?? ctx.idle} />{' '}
                      {inner.attempts.length > 1 && <span class="muted">{inner.attempts.length} attempts</span>}
                    </li>
                  ))}
                </ul>
                {out && <p class="block-output">{out}</p>}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
