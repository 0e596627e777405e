// The live screen's left panel: what the run was asked (the plan block now running, its URL and
// prompt, or the task's) and its live status.
import { usePlanBlocks } from '../run_detail/planBlocks';
import { StatusBadge } from '../../components/StatusBadge';
import { flatten, last, requestText, text, type Run, type TimelineItem } from '../run_detail/types';

/** The innermost block that is running now, else the last one that ran. */
export function currentBlock(timeline: TimelineItem[]): TimelineItem | null {
  const blocks = flatten(timeline)
    .map((row) => row.item)
    .filter((item) => item.kind === 'block');
  return last(blocks.filter((item) => item.status === 'running')) ?? last(blocks) ?? null;
}

export function ConfigPanel({ run, timeline }: { run: Run; timeline: TimelineItem[] }) {
  const plan = run.run_id.startsWith('wr_');
  const block = plan ? currentBlock(timeline) : null;
  const blocks = usePlanBlocks(run);
  const detail = ((block && blocks?.[block.label]) ?? {}) as Record<string, unknown>;
  const url = text(detail.url) || requestText(run, 'url') || text(run.url);
  const prompt =
    text(detail.navigation_goal) || text(detail.prompt) || text(detail.data_extraction_goal) || text(detail.instructions) || requestText(run, 'prompt') || requestText(run, 'navigation_goal');
  return (
    <section class="live-panel live-config" aria-labelledby="live-config-title">
      <h2 id="live-config-title">Configuration</h2>
      <p class="live-status">
        <span class="muted">Status</span> <StatusBadge status={run.status} />
      </p>
      <dl class="live-fields">
        {plan && (
          <>
            <dt>Block</dt>
            <dd>
              {block ? `${block.label} (${block.status})` : 'Not started yet'}
              {text(detail.block_type) && <span class="muted"> · {text(detail.block_type).replace(/_/g, ' ')}</span>}
            </dd>
          </>
        )}
        <dt>URL</dt>
        <dd>{url ? <code>{url}</code> : <span class="muted">—</span>}</dd>
        <dt>Prompt</dt>
        <dd class="live-prompt">{prompt || <span class="muted">—</span>}</dd>
        {run.title && (
          <>
            <dt>Title</dt>
            <dd>{run.title}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
