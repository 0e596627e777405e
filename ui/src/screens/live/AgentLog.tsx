// The live screen's right panel: the agent's thoughts and actions as they happen, newest last.
import { useEffect, useRef } from 'preact/hooks';
import { ErrorBox, Loading } from '../../components/Notice';
import { formatTime } from '../../format';
import { MARK, intentOf } from '../run_detail/Timeline';
import { flatten, last, text, type TimelineItem } from '../run_detail/types';

function Entry({ item }: { item: TimelineItem }) {
  const detail = item.detail ?? {};
  const time = new Date(item.started_at).toLocaleTimeString();
  if (item.kind === 'thought') {
    const body = text(detail.reasoning) || text(detail.question) || text(detail.instructions);
    return (
      <li class="log-entry log-thought">
        <span class="log-meta">
          <time dateTime={item.started_at}>{time}</time> <span class="tag">Decision</span> {item.label !== 'Decision' && item.label}
        </span>
        {body && <p class="card-text">{body}</p>}
        {text(detail.answer) && <p class="card-text muted">Answer: {text(detail.answer)}</p>}
      </li>
    );
  }
  const mark = MARK[item.status] ?? '•';
  const title = item.action_number != null ? `#${item.action_number} ${item.label}` : item.label;
  const error = text(detail.error);
  return (
    <li class={`log-entry log-${item.kind}`}>
      <span class="log-meta">
        <time dateTime={item.started_at}>{time}</time> <span class="log-kind">{item.kind}</span>{' '}
        <span class={`card-status status-${item.status}`}>
          <span aria-hidden="true">{mark}</span> {item.status}
        </span>
      </span>
      <span class="card-title">{title}</span>
      {item.kind === 'action' && intentOf(item) && <span class="card-text">{intentOf(item)}</span>}
      {error && <span class="card-error">{error}</span>}
    </li>
  );
}

export function AgentLog({ timeline, error }: { timeline: TimelineItem[] | undefined; error?: string }) {
  const list = useRef<HTMLDivElement>(null);
  const rows = flatten(timeline ?? []).map((row) => row.item);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [rows.length, last(rows)?.status]);
  return (
    <section class="live-panel live-log" aria-labelledby="live-log-title">
      <h2 id="live-log-title">Agent log</h2>
      {error && <ErrorBox>{error}</ErrorBox>}
      {!timeline && !error && <Loading />}
      {timeline && rows.length === 0 && <p class="empty">Nothing yet: the log fills as the agent thinks and acts.</p>}
      <div ref={list} class="log" role="log" aria-label="Thoughts and actions" tabIndex={0} title={rows.length ? `Last at ${formatTime(last(rows)!.started_at)}` : undefined}>
        <ol>
          {rows.map((item) => (
            <Entry key={item.id} item={item} />
          ))}
        </ol>
      </div>
    </section>
  );
}
