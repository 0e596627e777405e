// The API keys: listed by name and first characters (never the key), a new one shown once, and
// revoking one behind a confirmation that warns when it is the key this login used.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { CopyButton } from '../../components/CopyButton';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { Empty, ErrorBox, Loading } from '../../components/Notice';
import { useAction } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';
import { formatTime } from '../../format';
import type { ApiKey, CreatedApiKey, UiSession } from './model';
import { FormActions } from '../../components/FormActions';

export function ApiKeys() {
  const keys = useLoad(() => api<ApiKey[]>('/api_keys'), []);
  const login = useLoad(() => api<UiSession>('/ui/session').catch(() => null), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const isCurrent = (key: ApiKey) =>
    !!login.data && (login.data.key_id ? login.data.key_id === key.id : login.data.key_name != null && login.data.key_name === key.name);

  const { error, run: revoke } = useAction(async (key: ApiKey) => {
    await api(`/api_keys/${encodeURIComponent(key.id)}/revoke`, 'POST');
    keys.reload();
  });

  return (
    <section class="panel" aria-labelledby="keys-heading">
      <div class="row panel-head">
        <h2 id="keys-heading">API keys</h2>
        <button type="button" onClick={() => setCreating(true)}>
          Create a key
        </button>
      </div>
      <p class="muted">
        Every <code>/v1</code> call needs one in its <code>x-api-key</code> header. Only a hash of each key is kept: a key is shown once,
        when it is made.
      </p>
      {created && <NewKey created={created} onDone={() => setCreated(null)} />}
      {error && <ErrorBox title="The key was not revoked">{error}</ErrorBox>}
      {keys.error && <ErrorBox title="API keys could not be loaded">{keys.error}</ErrorBox>}
      {keys.loading && !keys.data && <Loading />}
      {keys.data && keys.data.length === 0 && <Empty>No API keys are stored (the configuration's key still works).</Empty>}
      {keys.data && keys.data.length > 0 && (
        <div class="table-wrap">
          <table class="keys-table stacking-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id}>
                  <td data-label="Name">
                    <strong>{key.name}</strong>
                    {isCurrent(key) && <span class="badge tag">this login</span>}
                    <div class="muted small-text">
                      <code>{key.id}</code>
                    </div>
                  </td>
                  <td data-label="Starts with">
                    <code>{key.prefix}…</code>
                  </td>
                  <td data-label="Created">{formatTime(key.created_at)}</td>
                  <td data-label="State">
                    {key.revoked_at ? <span class="badge badge-canceled">revoked {formatTime(key.revoked_at)}</span> : <span class="badge badge-completed">active</span>}
                  </td>
                  <td>
                    {!key.revoked_at && (
                      <button type="button" class="danger small" aria-label={`Revoke ${key.name}`} onClick={() => setRevoking(key)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title="Create an API key" open={creating} onClose={() => setCreating(false)}>
        <CreateKeyForm
          onCancel={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
            keys.reload();
          }}
        />
      </Dialog>
      <ConfirmDialog
        title="Revoke this API key?"
        open={revoking !== null}
        danger
        confirm="Revoke key"
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke(revoking)}
        message={
          <>
            <p>
              <strong>{revoking?.name}</strong> (<code>{revoking?.prefix}…</code>) is refused from now on, by every client that uses it.
            </p>
            {revoking && isCurrent(revoking) && (
              <p class="warning-text" role="alert">
                This is the key you signed in with: revoking it signs you out.
              </p>
            )}
          </>
        }
      />
    </section>
  );
}

function CreateKeyForm({ onCreated, onCancel }: { onCreated: (key: CreatedApiKey) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const { busy, error, run: create } = useAction(async () => onCreated(await api<CreatedApiKey>('/api_keys', 'POST', { name: name.trim() })));
  const submit = (event: Event) => {
    event.preventDefault();
    create();
  };
  return (
    <form class="dialog-body" onSubmit={submit}>
      <div class="field">
        <label for="key-name">Name</label>
        <input id="key-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="key-name-hint" />
        <p class="hint" id="key-name-hint">
          Where it will be used, for example "laptop" or "billing job".
        </p>
      </div>
      <FormActions error={error} busy={busy} submit="Create key" busyLabel="Creating…" disabled={!name.trim()} onCancel={onCancel} />
    </form>
  );
}

/** The new key, once: a box with a copy button and the warning that it is not shown again. */
function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  return (
    <div class="new-key" role="region" aria-label="The new API key">
      <p class="warning-text">
        <strong>Copy the key for {created.name} now:</strong> it is shown only this once and cannot be read again.
      </p>
      <div class="row">
        <code class="secret-box" data-testid="new-api-key">
          {created.api_key}
        </code>
        <CopyButton text={created.api_key} label="Copy key" />
        <button type="button" class="secondary small" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </div>
  );
}
