// The prompt box of a run waiting in `interaction_required`: the agent's question and the
// person's answer (`POST /v1/runs/{id}/interactions`).
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useAction } from '../../components/useAction';
import { flatten, last, type TimelineItem } from '../run_detail/types';

/** The question the run waits on: the last unanswered one on its timeline. */
export function openQuestion(timeline: TimelineItem[]): string {
  const asked = flatten(timeline)
    .map((row) => row.item)
    .filter((item) => typeof item.detail?.question === 'string');
  const open = last(asked.filter((item) => item.status === 'running')) ?? last(asked);
  return (open?.detail?.question as string | undefined) ?? '';
}

export function AnswerBox({ runId, question, onAnswered }: { runId: string; question: string; onAnswered: () => void }) {
  const [answer, setAnswer] = useState('');
  const [empty, setEmpty] = useState(false);
  const answerIt = useAction(async () => {
    await api(`/runs/${encodeURIComponent(runId)}/interactions`, 'POST', { response: answer });
    setAnswer('');
    onAnswered();
  });
  const send = (event: Event) => {
    event.preventDefault();
    setEmpty(!answer.trim());
    if (answer.trim()) answerIt.run();
  };
  const sending = answerIt.busy;
  const error = empty ? 'Write an answer first.' : answerIt.error;
  return (
    <form class="panel ask-box" onSubmit={send} aria-labelledby="ask-title">
      <h2 id="ask-title">The agent asks you</h2>
      <p class="ask-question">{question || 'The run waits for an answer.'}</p>
      <div class="field">
        <label for="ask-answer">Your answer</label>
        <textarea id="ask-answer" rows={3} value={answer} onInput={(e) => setAnswer((e.target as HTMLTextAreaElement).value)} aria-describedby={error ? 'ask-error' : undefined} />
        {error && (
          <p class="field-error" id="ask-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <button type="submit" disabled={sending}>
        {sending ? 'Sending…' : 'Send the answer'}
      </button>
    </form>
  );
}
