// The run's timeline as cards: Thought ("Decision"), Block (start, finish, success mark), Action
// ("#1 Click …" with its intent) and Control; a plan run's cards nest their children. Each card
// is a button: choosing it shows its screenshot (and a block's configuration).
import { formatTime } from '../../format';
import { Empty } from '../../components/Notice';
import { flatten, text, type TimelineItem } from './types';

/** The mark beside a card's status (the word stays beside it). */
export const MARK: Record<string, string> = { completed: '✓', failed: '✗', canceled: '⊘', running: '…' };

/** The intent or description an action card shows under its label. */
export function intentOf(item: TimelineItem): string {
  const detail = item.detail ?? {};
  const action = (detail.action ?? {}) as Record<string, unknown>;
  return text(detail.intent) || text(action.intent) || text(detail.description) || text(detail.result) || '';
}

function ThoughtBody({ item }: { item: TimelineItem }) {
  const detail = item.detail ?? {};
  const reasoning = text(detail.reasoning) || text(detail.question) || text(detail.instructions) || item.label;
  return <p class="card-text">{reasoning}</p>;
}

function Card({ item, selected, onSelect }: { item: TimelineItem; selected: boolean; onSelect: (item: TimelineItem) => void }) {
  const status = item.status.replace(/_/g, ' ');
  const number = item.action_number != null ? `#${item.action_number} ` : '';
  const heading =
    item.kind === 'thought' ? 'Thought' : item.kind === 'block' ? 'Block' : item.kind === 'action' ? 'Action' : item.kind === 'control' ? 'Control' : item.kind;
  const error = text(item.detail?.error) || text(item.detail?.failure_reason);
  return (
    <button type="button" class={`card card-${item.kind}${selected ? ' selected' : ''}`} aria-pressed={selected} onClick={() => onSelect(item)}>
      <span class="card-head">
        <span class="card-kind">{heading}</span>
        {item.kind === 'thought' && <span class="tag">Decision</span>}
        <span class={`card-status status-${item.status}`}>
          <span aria-hidden="true">{MARK[item.status] ?? '•'}</span> {status}
        </span>
      </span>
      {item.kind === 'thought' ? (
        <ThoughtBody item={item} />
      ) : (
        <span class="card-title">
          {number}
          {item.label}
        </span>
      )}
      {item.kind === 'action' && intentOf(item) && <span class="card-text">{intentOf(item)}</span>}
      {item.kind === 'block' && (
        <span class="card-times muted">
          Started {formatTime(item.started_at)}
          {item.finished_at ? ` · finished ${formatTime(item.finished_at)}` : ''}
        </span>
      )}
      {error && item.status === 'failed' && <span class="card-error">{error}</span>}
      {item.screenshot_artifact_id && <span class="card-shot muted">Has a screenshot</span>}
    </button>
  );
}

export function Timeline(props: { items: TimelineItem[]; selectedId: number | null; onSelect: (item: TimelineItem) => void }) {
  const rows = flatten(props.items);
  if (rows.length === 0) return <Empty>Nothing has happened yet.</Empty>;
  return (
    <ol class="timeline" aria-label="Timeline">
      {rows.map(({ item, depth }) => (
        <li key={item.id} class={`depth-${Math.min(depth, 4)}`}>
          <Card item={item} selected={item.id === props.selectedId} onSelect={props.onSelect} />
        </li>
      ))}
    </ol>
  );
}

/** Actions and steps counted over the whole tree. */
export function counts(items: TimelineItem[]): { actions: number; steps: number } {
  const rows = flatten(items).map((row) => row.item);
  return {
    actions: rows.filter((item) => item.kind === 'action').length,
    steps: rows.filter((item) => item.kind === 'block' || item.kind === 'thought').length,
  };
}
