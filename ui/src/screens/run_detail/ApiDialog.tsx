// "API & Webhooks": the curl command that makes the run again, and the run's webhook deliveries
// with every attempt, and Resend.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useEvents } from '../../events';
import { CopyButton } from '../../components/CopyButton';
import { Dialog } from '../../components/Dialog';
import { Empty, ErrorBox, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { formatTime } from '../../format';
import type { WebhookDelivery } from './types';

/** Never shows a key: a literal one is cut to its prefix. */
export function maskKeys(text: string): string {
  return text.replace(/\bskv_[A-Za-z0-9_-]{4,}/g, 'skv_••••••••');
}

function CurlCommand({ runId }: { runId: string }) {
  const curl = useLoad(() => api<string>(`/runs/${encodeURIComponent(runId)}/request?format=curl`), [runId]);
  if (curl.loading && !curl.data) return <Loading />;
  if (curl.error) return <ErrorBox title="The request could not be written out">{curl.error}</ErrorBox>;
  const text = maskKeys(String(curl.data ?? ''));
  return (
    <section aria-labelledby="api-curl-title">
      <div class="row spread">
        <h3 id="api-curl-title">Request</h3>
        <CopyButton text={text} label="Copy the command" />
      </div>
      <p class="hint muted">
        Sent as it is, this makes a run with the same request. It reads the API key from <code>$SKYVERN_API_KEY</code>.
      </p>
      <pre class="code" tabIndex={0} aria-label="curl command" data-testid="curl">
        {text}
      </pre>
    </section>
  );
}

function Deliveries({ runId }: { runId: string }) {
  const deliveries = useLoad(() => api<WebhookDelivery[]>(`/runs/${encodeURIComponent(runId)}/webhooks`), [runId]);
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  useEvents((event) => event.event_type === 'webhook.attempt' && deliveries.reload(), runId);

  const resend = async () => {
    setSending(true);
    setResult(undefined);
    try {
      const answer = await api<{ status_code?: number | null; error?: string | null; target_webhook_url?: string | null }>(
        `/runs/${encodeURIComponent(runId)}/retry_webhook`,
        'POST',
        {},
      );
      const ok = !answer.error && answer.status_code != null && answer.status_code < 300;
      setResult({
        ok,
        text: answer.error ? `Sent to ${answer.target_webhook_url ?? 'the webhook'}: ${answer.error}` : `Sent to ${answer.target_webhook_url ?? 'the webhook'}: HTTP ${answer.status_code}`,
      });
    } catch (e) {
      setResult({ ok: false, text: (e as Error).message });
    } finally {
      setSending(false);
      deliveries.reload();
    }
  };

  return (
    <section aria-labelledby="api-webhooks-title">
      <div class="row spread">
        <h3 id="api-webhooks-title">Webhook deliveries</h3>
        <button type="button" class="secondary small" disabled={sending} onClick={resend}>
          {sending ? 'Sending…' : 'Resend'}
        </button>
      </div>
      {result &&
        (result.ok ? (
          <p class="resend-result" role="status">
            {result.text}
          </p>
        ) : (
          <ErrorBox title="Resend failed">{result.text}</ErrorBox>
        ))}
      {deliveries.error && <ErrorBox>{deliveries.error}</ErrorBox>}
      {deliveries.loading && !deliveries.data && <Loading />}
      {deliveries.data && deliveries.data.length === 0 && <Empty>No webhook was sent for this run.</Empty>}
      {deliveries.data?.map((delivery) => (
        <div class="delivery" key={delivery.delivery_id}>
          <p class="delivery-head">
            <strong>{delivery.event_type}</strong> to <code>{delivery.url}</code> — {delivery.state}, {delivery.attempt_count}{' '}
            {delivery.attempt_count === 1 ? 'attempt' : 'attempts'}
          </p>
          <div class="table-wrap">
            <table aria-label={`Attempts of ${delivery.event_type} (${delivery.delivery_id})`}>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Status code</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Latency</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {delivery.attempts.map((attempt, i) => (
                  <tr key={i}>
                    <td>{formatTime(attempt.attempted_at)}</td>
                    <td>{attempt.status_code ?? '—'}</td>
                    <td>{attempt.outcome}</td>
                    <td>{attempt.latency_ms != null ? `${attempt.latency_ms} ms` : '—'}</td>
                    <td>{attempt.error ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </section>
  );
}

export function ApiDialog({ runId, open, onClose }: { runId: string; open: boolean; onClose: () => void }) {
  return (
    <Dialog title="API & Webhooks" open={open} onClose={onClose} wide>
      <div class="dialog-body api-dialog">
        <CurlCommand runId={runId} />
        <Deliveries runId={runId} />
      </div>
    </Dialog>
  );
}
