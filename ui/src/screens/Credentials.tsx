// The credentials page: the vault's credentials (never their values), adding one, deleting one,
// and how a run names their values.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { useAction } from '../components/useAction';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { Empty, ErrorBox, Loading } from '../components/Notice';
import { useLoad } from '../components/useLoad';
import { CredentialForm } from './credentials/CredentialForm';
import { CredentialTable } from './credentials/CredentialTable';
import type { Credential } from './credentials/model';
import './credentials/credentials.css';

const PAGE_SIZE = 50;

export function Credentials() {
  const [page, setPage] = useState(1);
  const credentials = useLoad(() => api<Credential[]>(`/credentials?page=${page}&page_size=${PAGE_SIZE}`), [page]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Credential | null>(null);
  const [created, setCreated] = useState<Credential | null>(null);
  const { error, run: remove } = useAction(async (credential: Credential) => {
    await api(`/credentials/${credential.credential_id}/delete`, 'POST');
    if (created?.credential_id === credential.credential_id) setCreated(null);
    credentials.reload();
  });

  const list = credentials.data ?? [];
  return (
    <section>
      <div class="row page-head">
        <h1>Credentials</h1>
        <button type="button" onClick={() => setCreating(true)}>
          Add a credential
        </button>
      </div>
      <p class="muted usage">
        Logins, cards and secrets that runs type without the model ever seeing them. Name a value in a run's prompt or script with a
        placeholder such as <code>{'{{credential.<id>.password}}'}</code>: it is typed where the placeholder stands, and records
        keep only the placeholder.
      </p>
      {created && (
        <div class="banner" role="status">
          Saved <strong>{created.name}</strong> as <code>{created.credential_id}</code>. Its values are sealed in the vault and are not
          shown again.
        </div>
      )}
      {error && <ErrorBox title="The credential was not deleted">{error}</ErrorBox>}
      {credentials.error && <ErrorBox title="Credentials could not be loaded">{credentials.error}</ErrorBox>}
      {credentials.loading && !credentials.data && <Loading />}
      {credentials.data && list.length === 0 && page === 1 && <Empty>No credentials yet.</Empty>}
      {list.length > 0 && <CredentialTable credentials={list} onDelete={setDeleting} />}
      {(page > 1 || list.length === PAGE_SIZE) && (
        <nav class="pager" aria-label="Credential pages">
          <button type="button" class="secondary small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>Page {page}</span>
          <button type="button" class="secondary small" disabled={list.length < PAGE_SIZE} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
      <Dialog title="Add a credential" open={creating} onClose={() => setCreating(false)}>
        <CredentialForm
          onCancel={() => setCreating(false)}
          onCreated={(credential) => {
            setCreating(false);
            setCreated(credential);
            credentials.reload();
          }}
        />
      </Dialog>
      <ConfirmDialog
        title="Delete this credential?"
        open={deleting !== null}
        danger
        confirm="Delete credential"
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove(deleting)}
        message={
          <p>
            <strong>{deleting?.name}</strong> (<code>{deleting?.credential_id}</code>) is deleted from the vault. Runs and plans that name
            it will fail at their start.
          </p>
        }
      />
    </section>
  );
}
