// The credentials as a table: name, type, what may be shown, id (with copy), the placeholders
// that name its values in a run, and Delete.
import { CopyButton } from '../../components/CopyButton';
import { formatTime } from '../../format';
import { placeholder, summary, TYPE_LABELS, TYPED_FIELDS, type Credential } from './model';

export function CredentialTable({ credentials, onDelete }: { credentials: Credential[]; onDelete: (credential: Credential) => void }) {
  const showCreated = credentials.some((c) => c.created_at);
  return (
    <div class="table-wrap">
      <table class="credentials-table stacking-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Id</th>
            {showCreated && <th scope="col">Created</th>}
            <th scope="col">In a run</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {credentials.map((credential) => (
            <tr key={credential.credential_id}>
              <td data-label="Name">
                <strong>{credential.name}</strong>
                {summary(credential) && <div class="muted">{summary(credential)}</div>}
              </td>
              <td data-label="Type">{TYPE_LABELS[credential.credential_type] ?? credential.credential_type}</td>
              <td data-label="Id">
                <div class="row nowrap">
                  <code>{credential.credential_id}</code>
                  <CopyButton text={credential.credential_id} label="Copy id" />
                </div>
              </td>
              {showCreated && <td data-label="Created">{formatTime(credential.created_at)}</td>}
              <td data-label="In a run">
                <ul class="placeholders">
                  {(TYPED_FIELDS[credential.credential_type] ?? []).map((field) => (
                    <li key={field}>
                      <code>{placeholder(credential.credential_id, field)}</code>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <button type="button" class="danger small" aria-label={`Delete ${credential.name}`} onClick={() => onDelete(credential)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
