// Stored credentials for the run: a task request names a credential's value by a placeholder
// (`{{credential.<id>.<field>}}`) in its prompt or script, so picking one inserts its
// placeholder where the cursor is; the credentials the request already names are listed.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useLoad } from '../../components/useLoad';

interface Credential {
  credential_id: string;
  name: string;
  credential_type: string;
}

const FIELDS: Record<string, [string, string][]> = {
  password: [
    ['username', 'User name'],
    ['password', 'Password'],
  ],
  credit_card: [
    ['card_number', 'Card number'],
    ['card_cvv', 'Security code (CVV)'],
    ['card_exp_month', 'Expiry month'],
    ['card_exp_year', 'Expiry year'],
    ['card_holder_name', 'Holder’s name'],
  ],
  secret: [['secret_value', 'Secret value']],
};

const PLACEHOLDER = /\{\{\s*credential\.([A-Za-z0-9_]+)\.([a-z_]+)\s*\}\}/g;

/** The credential ids a text names, each with the fields it names. */
export function namedCredentials(text: string): Map<string, Set<string>> {
  const named = new Map<string, Set<string>>();
  for (const found of text.matchAll(PLACEHOLDER)) {
    if (!named.has(found[1])) named.set(found[1], new Set());
    named.get(found[1])!.add(found[2]);
  }
  return named;
}

export function CredentialPicker(props: { text: string; target: string; onInsert: (placeholder: string) => void }) {
  const credentials = useLoad(() => api<Credential[]>('/credentials?page_size=100'), []);
  const [chosen, setChosen] = useState('');
  const [field, setField] = useState('');
  const credential = credentials.data?.find((c) => c.credential_id === chosen);
  const fields = FIELDS[credential?.credential_type ?? ''] ?? [];
  const fieldValue = fields.some(([name]) => name === field) ? field : (fields[0]?.[0] ?? '');
  const named = namedCredentials(props.text);
  const nameOf = (id: string) => credentials.data?.find((c) => c.credential_id === id)?.name;

  return (
    <fieldset class="field credentials" aria-describedby="run-credentials-hint">
      <legend>
        Credentials <span class="optional">(optional)</span>
      </legend>
      <p class="hint" id="run-credentials-hint">
        A task run uses a stored credential through a placeholder in its prompt or script, such as{' '}
        <code>{'{{credential.cred_….password}}'}</code>: the value is typed at the moment of the action, and the model and the run’s records only ever see the placeholder.
        Pick a credential and a field to insert its placeholder at the cursor in the {props.target}.
      </p>
      {credentials.error && <p class="field-error">Credentials could not be listed: {credentials.error}</p>}
      {credentials.data && credentials.data.length === 0 && <p class="muted">No credentials are stored yet; add them on the Credentials page.</p>}
      {credentials.data && credentials.data.length > 0 && (
        <div class="credential-pick">
          <div>
            <label for="run-credential">Credential</label>
            <select id="run-credential" value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
              <option value="">Choose a credential</option>
              {credentials.data.map((c) => (
                <option key={c.credential_id} value={c.credential_id}>
                  {c.name} ({c.credential_type.replace('_', ' ')})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="run-credential-field">Field</label>
            <select id="run-credential-field" value={fieldValue} disabled={!credential} onChange={(e) => setField(e.currentTarget.value)}>
              {!credential && <option value="">Choose a credential first</option>}
              {fields.map(([name, label]) => (
                <option key={name} value={name}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <button type="button" class="secondary" disabled={!credential || !fieldValue} onClick={() => props.onInsert(`{{credential.${chosen}.${fieldValue}}}`)}>
            Insert placeholder
          </button>
        </div>
      )}
      {named.size > 0 && (
        <div class="credentials-named">
          <p>This run uses:</p>
          <ul>
            {[...named].map(([id, used]) => (
              <li key={id}>
                {nameOf(id) ?? <span class="field-error-inline">an unknown credential</span>} <code>{id}</code>: {[...used].join(', ')}
              </li>
            ))}
          </ul>
        </div>
      )}
    </fieldset>
  );
}
