// A step's execution trace in a dialog: the attempt (a selector when the step was retried), its
// outcome, the system prompt, and each model call as a turn with its request, tool calls,
// response and tokens.
import { useEffect, useState } from 'preact/hooks';
import { Dialog } from '../../components/Dialog';
import { JsonView } from '../../components/JsonView';
import { StatusBadge } from '../../components/StatusBadge';
import { formatCost, formatDuration, formatTime, formatTokens } from '../../format';
import type { StepNode, Trace, TracePart } from './model';
import { NO_USAGE, addUsage, attemptRunIds } from './model';

export function TraceDialog({ step, traces, onClose }: { step: StepNode | null; traces: Trace[]; onClose: () => void }) {
  const [chosen, setChosen] = useState(0);
  useEffect(() => setChosen(step ? step.attempts.length - 1 : 0), [step?.step_id]);
  const attempt = step?.attempts[chosen] ?? step?.attempts[step.attempts.length - 1];
  const ids = step && attempt ? attemptRunIds(step, attempt) : new Set<string>();
  const calls = traces.filter((t) => t.step_run_id && ids.has(t.step_run_id));
  const usage = calls.reduce(
    (sum, t) => addUsage(sum, { input_tokens: t.input_tokens, cached_tokens: t.cached_tokens, output_tokens: t.output_tokens, cost_usd: t.cost_usd }),
    NO_USAGE,
  );
  const systems = [...new Set(calls.map((t) => t.request.system).filter((s): s is string => !!s))];
  return (
    <Dialog title={step ? `Trace of ${step.label}` : 'Trace'} open={!!step} onClose={onClose} wide>
      {step && (
        <div class="dialog-body trace">
          {step.attempts.length > 1 && (
            <div class="attempt-picker" role="group" aria-label="Attempt">
              {step.attempts.map((a, i) => (
                <button key={a.step_run_id} type="button" class={i === chosen ? 'small' : 'secondary small'} aria-pressed={i === chosen} onClick={() => setChosen(i)}>
                  Attempt {a.attempt}: {a.status.replace(/_/g, ' ')}
                </button>
              ))}
            </div>
          )}
          {attempt && (
            <dl class="trace-facts">
              <div>
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={attempt.status} />
                </dd>
              </div>
              <div>
                <dt>Block type</dt>
                <dd>{step.kind}</dd>
              </div>
              <div>
                <dt>Model</dt>
                <dd>{[...new Set(calls.map((t) => t.model))].join(', ') || '—'}</dd>
              </div>
              <div>
                <dt>Started</dt>
                <dd>{formatTime(attempt.started_at)}</dd>
              </div>
              <div>
                <dt>Duration</dt>
                <dd>{formatDuration(attempt.duration_ms)}</dd>
              </div>
              <div>
                <dt>Tokens</dt>
                <dd>
                  {formatTokens(usage.input_tokens)} input · {formatTokens(usage.cached_tokens)} cached · {formatTokens(usage.output_tokens)} output
                </dd>
              </div>
              <div>
                <dt>Cost</dt>
                <dd>{formatCost(usage.cost_usd)}</dd>
              </div>
            </dl>
          )}
          {attempt?.failure_reason && (
            <p class="trace-failure">
              <strong>Failure:</strong> {attempt.failure_reason}
            </p>
          )}
          {attempt?.output != null && (
            <details>
              <summary>Output of this attempt</summary>
              <JsonView value={attempt.output} label={`Output of ${step.label}, attempt ${attempt.attempt}`} />
            </details>
          )}
          <h3>System prompt</h3>
          {systems.length ? (
            systems.map((s, i) => (
              <pre key={i} class="trace-text system-prompt" tabIndex={0} aria-label="System prompt">
                {s}
              </pre>
            ))
          ) : (
            <p class="empty">No model was called in this attempt{step.kind === 'code' || step.kind === 'wait' ? ` (a ${step.kind} block needs none)` : ''}.</p>
          )}
          {calls.length > 0 && <h3>Turns ({calls.length})</h3>}
          <ol class="turns">
            {calls.map((t, i) => (
              <Turn key={t.id} trace={t} index={i} />
            ))}
          </ol>
        </div>
      )}
    </Dialog>
  );
}

function partText(part: TracePart): string {
  if (part.type === 'text') return part.text ?? '';
  if (part.type === 'image') return part.artifact_id ? `[screenshot ${part.artifact_id}]` : '[screenshot]';
  return JSON.stringify(part);
}

function Turn({ trace, index }: { trace: Trace; index: number }) {
  const messages = trace.request.messages ?? [];
  const actions = trace.parsed?.actions ?? [];
  return (
    <li class="turn">
      <h4>
        Turn {index + 1} <span class="muted">· {trace.model} · {formatDuration(trace.latency_ms)}</span>
      </h4>
      <p class="turn-tokens">
        <span>Input {formatTokens(trace.input_tokens)}</span>
        <span>Cached {formatTokens(trace.cached_tokens)}</span>
        <span>Output {formatTokens(trace.output_tokens)}</span>
        <span>Cost {formatCost(trace.cost_usd)}</span>
      </p>
      <details>
        <summary>Request ({messages.length} {messages.length === 1 ? 'message' : 'messages'})</summary>
        {messages.map((m, i) => (
          <div key={i} class="turn-message">
            <p class="turn-role">{m.role}</p>
            <pre class="trace-text" tabIndex={0} aria-label={`Request message ${i + 1}`}>
              {m.parts ? m.parts.map(partText).join('\n') : typeof m.content === 'string' ? m.content : JSON.stringify(m.content, null, 2)}
            </pre>
            {(m.parts ?? [])
              .filter((p) => p.type === 'image' && p.artifact_id)
              .map((p) => (
                <a key={p.artifact_id} href={`/v1/artifacts/${p.artifact_id}/content`} target="_blank" rel="noreferrer">
                  Open the screenshot sent
                </a>
              ))}
          </div>
        ))}
      </details>
      {trace.parsed?.reasoning && (
        <p class="turn-reasoning">
          <strong>Reasoning:</strong> {trace.parsed.reasoning}
        </p>
      )}
      {actions.length > 0 && (
        <>
          <p class="turn-role">Tool calls</p>
          <ol class="tool-calls">
            {actions.map((a, i) => {
              const { action, intent, ...fields } = a;
              const shown = Object.fromEntries(Object.entries(fields).filter(([, v]) => v != null));
              return (
                <li key={i}>
                  <code class="tool-name">{String(action)}</code>
                  {Object.keys(shown).length > 0 && <code class="tool-args"> {JSON.stringify(shown)}</code>}
                  {intent ? <span class="muted"> — {String(intent)}</span> : null}
                </li>
              );
            })}
          </ol>
        </>
      )}
      {trace.error && (
        <p class="trace-failure">
          <strong>Error:</strong> {trace.error}
        </p>
      )}
      <details>
        <summary>Response</summary>
        <pre class="trace-text" tabIndex={0} aria-label={`Response of turn ${index + 1}`}>
          {trace.response_text ?? JSON.stringify(trace.response, null, 2)}
        </pre>
      </details>
    </li>
  );
}
