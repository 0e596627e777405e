// One block of a plan as a card in the graph: its label, type, status, model, duration, tokens,
// output preview and attempts; a loop shows its items (in a run) or its body (in a preview).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { StatusBadge } from '../../components/StatusBadge';
import { formatCost, formatDuration, formatTokens } from '../../format';
import { Iterations } from './Iterations';
import type { Block, StepNode } from './model';
import { preview } from './model';

export interface CardContext {
  /** Whether this is a run (else a preview of a definition). */
  run: boolean;
  /** A status for blocks without a step: `not run` once the run ended, `pending` before. */
  idle: string;
  stepOf: (label: string, within?: StepNode[]) => { step?: StepNode; visits: number };
  models: (step: StepNode) => string[];
  open: (step: StepNode) => void;
  /** The graph of a loop's body, for previews. */
  body: (block: Block) => JSX.Element | null;
}

export function BlockCard({ block, ctx, step, visits }: { block: Block; ctx: CardContext; step?: StepNode; visits: number }) {
  const status = step?.status ?? ctx.idle;
  const models = step ? ctx.models(step) : [];
  const [showBody, setShowBody] = useState(true);
  const attempts = step?.attempts ?? [];
  const text = step && !(block.block_type === 'for_loop' && !step.failure_reason) ? preview(step.failure_reason ?? step.output) : '';
  const out = text === status ? '' : text;
  const tokens = step && step.usage.input_tokens + step.usage.output_tokens > 0 ? step.usage : null;
  return (
    <article
      class={`block-card status-${status.replace(/ /g, '_')}${block.block_type === 'for_loop' ? ' loop' : ''}`}
      aria-label={`${block.label}: ${status.replace(/_/g, ' ')}`}
      onClick={(event) => {
        // A click anywhere on the card that is not on a control opens the step.
        if (step && !(event.target as HTMLElement).closest('button, a, summary, details, .iterations')) ctx.open(step);
      }}
    >
      <header class="block-head">
        {step ? (
          <button type="button" class="block-title linkish" onClick={() => ctx.open(step)} aria-label={`${block.label}: open the step's trace`}>
            {block.label}
          </button>
        ) : (
          <span class="block-title">{block.label}</span>
        )}
        <StatusBadge status={status} />
      </header>
      <p class="block-meta">
        <span class="block-type">{block.block_type}</span>
        {models.length > 0 && <span> · {models.join(', ')}</span>}
        {step && step.duration_ms != null && <span> · {formatDuration(step.duration_ms)}</span>}
        {visits > 1 && <span> · visit {visits}</span>}
      </p>
      {block.block_type === 'conditional' && !ctx.run && <BranchList block={block} />}
      {tokens && (
        <p class="block-tokens">
          {formatTokens(tokens.input_tokens)} in · {formatTokens(tokens.cached_tokens)} cached · {formatTokens(tokens.output_tokens)} out · {formatCost(tokens.cost_usd)}
        </p>
      )}
      {out && <p class={step?.failure_reason ? 'block-output failed' : 'block-output'}>{out}</p>}
      {attempts.length > 1 && (
        <ol class="attempts" aria-label={`Attempts of ${block.label}`}>
          {attempts.map((a) => (
            <li key={a.step_run_id}>
              Attempt {a.attempt} <StatusBadge status={a.status} /> {formatDuration(a.duration_ms)}
            </li>
          ))}
        </ol>
      )}
      {block.block_type === 'for_loop' && ctx.run && step?.iterations && <Iterations step={step} block={block} ctx={ctx} />}
      {block.block_type === 'for_loop' && ctx.run && step && !step.iterations?.length && <p class="muted small-text">No items yet.</p>}
      {block.block_type === 'for_loop' && !ctx.run && (
        <div class="loop-body">
          <button type="button" class="ghost small" aria-expanded={showBody} onClick={() => setShowBody(!showBody)}>
            {showBody ? 'Hide' : 'Show'} loop body ({(block.loop_blocks ?? []).length})
          </button>
          {showBody && ctx.body(block)}
        </div>
      )}
    </article>
  );
}

function BranchList({ block }: { block: Block }) {
  return (
    <ul class="branches">
      {(block.branch_conditions ?? []).map((b, i) => (
        <li key={i}>
          {b.is_default ? 'otherwise' : <code>{b.criteria?.expression ?? b.description ?? 'if'}</code>} → {b.next_block_label ?? 'end'}
        </li>
      ))}
    </ul>
  );
}
