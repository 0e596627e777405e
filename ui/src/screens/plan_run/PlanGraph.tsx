// A plan's blocks as a graph of cards, with a run's steps laid over them when there is a run:
// the blocks of untaken branches are hidden behind an "n skipped" note that can show them.
import { useState } from 'preact/hooks';
import { BlockCard, type CardContext } from './BlockCard';
import { DagView } from './DagView';
import type { Block, StepNode } from './model';
import { blockGraph, lastOf, stepsByLabel } from './model';

export interface PlanGraphProps {
  blocks: Block[];
  finallyLabel?: string | null;
  /** The run's top-level steps; absent in a preview. */
  steps?: StepNode[];
  runEnded?: boolean;
  models?: (step: StepNode) => string[];
  onOpen?: (step: StepNode) => void;
  label: string;
}

export function PlanGraph(props: PlanGraphProps) {
  const [showSkipped, setShowSkipped] = useState(false);
  const run = props.steps !== undefined;
  const ctx: CardContext = {
    run,
    idle: run ? (props.runEnded ? 'not_run' : 'pending') : 'not_run',
    stepOf: (label, within) => {
      const visits = stepsByLabel(within ?? props.steps ?? []).get(label);
      return { step: lastOf(visits), visits: visits?.length ?? 0 };
    },
    models: props.models ?? (() => []),
    open: props.onOpen ?? (() => undefined),
    body: (block) => <BlockList blocks={block.loop_blocks ?? []} ctx={ctx} label={`Body of ${block.label}`} steps={undefined} showSkipped compact />,
  };
  const skipped = run ? props.blocks.filter((b) => ctx.stepOf(b.label).step?.status === 'skipped').map((b) => b.label) : [];
  return (
    <div class="plan-graph">
      {skipped.length > 0 && (
        <p class="skipped-note">
          {skipped.length} skipped {skipped.length === 1 ? 'block' : 'blocks'} (on a branch not taken)
          {showSkipped ? `: ${skipped.join(', ')}` : ''}{' '}
          <button type="button" class="secondary small" aria-pressed={showSkipped} onClick={() => setShowSkipped(!showSkipped)}>
            {showSkipped ? 'Hide skipped' : 'Show skipped'}
          </button>
        </p>
      )}
      <BlockList blocks={props.blocks} finallyLabel={props.finallyLabel} ctx={ctx} label={props.label} steps={props.steps} showSkipped={showSkipped} />
    </div>
  );
}

function BlockList(props: { blocks: Block[]; finallyLabel?: string | null; ctx: CardContext; label: string; steps?: StepNode[]; showSkipped: boolean; compact?: boolean }) {
  const graph = blockGraph(props.blocks, props.finallyLabel);
  const byLabel = new Map(props.blocks.map((b) => [b.label, b]));
  const found = (label: string) => props.ctx.stepOf(label, props.steps);
  return (
    <DagView
      graph={graph}
      label={props.label}
      compact={props.compact}
      wide={(label) => byLabel.get(label)?.block_type === 'for_loop'}
      visible={(label) => props.showSkipped || found(label).step?.status !== 'skipped'}
      renderNode={(label) => {
        const { step, visits } = found(label);
        return <BlockCard block={byLabel.get(label) as Block} ctx={props.ctx} step={step} visits={visits} />;
      }}
    />
  );
}
