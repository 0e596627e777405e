// Approve or reject a plan run waiting in `review_required`, with a comment
// (`POST /v1/runs/{id}/review`); a rejected run ends `terminated` with the comment.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useAction } from '../../components/useAction';
import { flatten, last, type TimelineItem } from '../run_detail/types';

/** What the approval block asks the reviewer. */
export function reviewRequest(timeline: TimelineItem[]): Record<string, unknown> {
  const asked = flatten(timeline)
    .map((row) => row.item)
    .filter((item) => item.kind === 'thought' && typeof item.detail?.instructions === 'string');
  return (last(asked)?.detail ?? {}) as Record<string, unknown>;
}

export function ReviewBox({ runId, request, onDecided }: { runId: string; request: Record<string, unknown>; onDecided: () => void }) {
  const [comment, setComment] = useState('');
  const {
    busy: sending,
    error,
    run: decide,
  } = useAction(async (decision: 'approve' | 'reject') => {
    await api(`/runs/${encodeURIComponent(runId)}/review`, 'POST', { decision, comment: comment.trim() || null });
    onDecided();
  });
  const positive = typeof request.positive_descriptor === 'string' && request.positive_descriptor ? request.positive_descriptor : '';
  const negative = typeof request.negative_descriptor === 'string' && request.negative_descriptor ? request.negative_descriptor : '';
  return (
    <section class="panel review-box" aria-labelledby="review-title">
      <h2 id="review-title">Approval required</h2>
      <p>{typeof request.instructions === 'string' && request.instructions ? request.instructions : 'The plan waits for your decision.'}</p>
      <div class="field">
        <label for="review-comment">Comment</label>
        <textarea id="review-comment" rows={2} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
        <p class="hint">Kept with the decision; a rejected run ends with it as its reason.</p>
      </div>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <button type="button" disabled={sending} onClick={() => decide('approve')} aria-describedby={positive ? 'review-positive' : undefined}>
          Approve
        </button>
        <button type="button" class="danger" disabled={sending} onClick={() => decide('reject')} aria-describedby={negative ? 'review-negative' : undefined}>
          Reject
        </button>
      </div>
      {positive && (
        <p class="hint" id="review-positive">
          Approve: {positive}
        </p>
      )}
      {negative && (
        <p class="hint" id="review-negative">
          Reject: {negative}
        </p>
      )}
    </section>
  );
}
