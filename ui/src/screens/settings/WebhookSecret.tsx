// The webhook signing secret: hidden until revealed, copyable, rotated behind a confirmation;
// older secrets still signing during the overlap are listed with their end.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useAction } from '../../components/useAction';
import { CopyButton } from '../../components/CopyButton';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorBox, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { formatTime } from '../../format';
import type { WebhookSecret as Secret } from './model';

function masked(secret: string | null): string {
  if (!secret) return '';
  return `${secret.slice(0, 6)}${'•'.repeat(Math.max(8, Math.min(24, secret.length - 6)))}`;
}

export function WebhookSecret() {
  const loaded = useLoad(() => api<Secret>('/webhook_secret'), []);
  const [secret, setSecret] = useState<Secret | null>(null);
  const [revealed, setRevealed] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState(false);
  const current = secret ?? loaded.data;

  const { error, run: rotate } = useAction(async () => {
    setRotated(false);
    setSecret(await api<Secret>('/webhook_secret/rotate', 'POST'));
    setRotated(true);
  });

  return (
    <section class="panel" aria-labelledby="webhook-heading">
      <h2 id="webhook-heading">Webhook signing secret</h2>
      <p class="muted">
        Every webhook carries <code>x-skyvern-signature</code> and <code>webhook-signature</code> made with this secret; receivers verify
        deliveries with it.
      </p>
      {loaded.error && <ErrorBox title="The secret could not be loaded">{loaded.error}</ErrorBox>}
      {loaded.loading && !current && <Loading />}
      {current && !current.secret && <p class="empty">No signing secret yet: one is made at the appliance's start.</p>}
      {current?.secret && (
        <>
          <div class="row">
            <code class="secret-box" data-testid="webhook-secret" aria-label={revealed ? 'Webhook signing secret' : 'Webhook signing secret, hidden'}>
              {revealed ? current.secret : masked(current.secret)}
            </code>
            <button type="button" class="secondary small" aria-pressed={revealed} onClick={() => setRevealed(!revealed)}>
              {revealed ? 'Hide' : 'Reveal'}
            </button>
            <CopyButton text={current.secret} label="Copy secret" />
          </div>
          {current.configured ? (
            <p class="hint">It is set in the configuration file (webhooks.signing_secret): change it there.</p>
          ) : (
            <div class="row top-gap">
              <button type="button" class="secondary" onClick={() => setRotating(true)}>
                Rotate secret
              </button>
            </div>
          )}
          {rotated && (
            <p role="status" class="ok-text">
              A new secret signs from now on; the old one keeps signing until the overlap ends.
            </p>
          )}
          {current.older.length > 0 && (
            <>
              <h3>Older secrets still signing</h3>
              <ul class="older">
                {current.older.map((old) => (
                  <li key={old.secret}>
                    <code>{revealed ? old.secret : masked(old.secret)}</code> until {formatTime(old.signs_until)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <ConfirmDialog
        title="Rotate the webhook secret?"
        open={rotating}
        danger
        confirm="Rotate"
        onClose={() => setRotating(false)}
        onConfirm={rotate}
        message={
          <p>
            A new secret is made. For the overlap (24 hours by default) deliveries are signed with both; move your receivers to the new
            secret before it ends.
          </p>
        }
      />
    </section>
  );
}
