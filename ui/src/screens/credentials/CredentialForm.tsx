// The form that creates a credential: its name and type, then the values of that type. The values
// live only in this form's state, which goes away when the dialog closes.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useAction } from '../../components/useAction';
import type { Credential, CredentialType } from './model';
import { TYPE_LABELS } from './model';
import { FormActions } from '../../components/FormActions';

type Values = Record<string, string>;

interface FieldSpec {
  name: string;
  label: string;
  required?: boolean;
  secret?: boolean;
  hint?: string;
  autocomplete?: string;
  inputMode?: 'numeric' | 'email' | 'text';
}

const FIELDS: Record<CredentialType, FieldSpec[]> = {
  password: [
    { name: 'username', label: 'User name', required: true, autocomplete: 'off' },
    { name: 'password', label: 'Password', required: true, secret: true, autocomplete: 'new-password' },
    {
      name: 'totp',
      label: 'TOTP secret (optional)',
      secret: true,
      autocomplete: 'off',
      hint: 'The base32 seed or the otpauth://totp/ address behind the site\'s QR code: runs then make the sign-in codes themselves.',
    },
    {
      name: 'totp_identifier',
      label: 'Where codes are sent (optional)',
      autocomplete: 'off',
      hint: 'The mail address or phone number that one-time codes for this login go to, when they are pushed to the appliance.',
    },
  ],
  credit_card: [
    { name: 'card_holder_name', label: 'Name on the card', required: true, autocomplete: 'off' },
    { name: 'card_number', label: 'Card number', required: true, secret: true, autocomplete: 'off', inputMode: 'numeric' },
    { name: 'card_exp_month', label: 'Expiry month', required: true, autocomplete: 'off', inputMode: 'numeric', hint: 'For example 07.' },
    { name: 'card_exp_year', label: 'Expiry year', required: true, autocomplete: 'off', inputMode: 'numeric', hint: 'For example 2029.' },
    { name: 'card_cvv', label: 'Security code (CVV)', required: true, secret: true, autocomplete: 'off', inputMode: 'numeric' },
    { name: 'card_brand', label: 'Brand', required: true, autocomplete: 'off', hint: 'Visa, Mastercard, …' },
  ],
  secret: [
    { name: 'secret_value', label: 'Secret value', required: true, secret: true, autocomplete: 'off' },
    { name: 'secret_label', label: 'Label (optional)', autocomplete: 'off', hint: 'Shown in the list, for example "API token".' },
  ],
};

/** The request body Skyvern's `CreateCredentialRequest` takes. */
function requestBody(name: string, type: CredentialType, values: Values) {
  const credential: Record<string, string> = {};
  for (const field of FIELDS[type]) {
    const value = (values[field.name] ?? '').trim();
    if (value || field.required) credential[field.name] = field.secret && field.name !== 'totp' ? (values[field.name] ?? '') : value;
  }
  if (type === 'password' && credential.totp) credential.totp_type = 'authenticator';
  else if (type === 'password' && credential.totp_identifier) credential.totp_type = credential.totp_identifier.includes('@') ? 'email' : 'text';
  return { name: name.trim(), credential_type: type, credential };
}

export function CredentialForm({ onCreated, onCancel }: { onCreated: (credential: Credential) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState<CredentialType>('password');
  const [values, setValues] = useState<Values>({});
  const { busy, error, run: save } = useAction(async () => {
    const created = await api<Credential>('/credentials', 'POST', requestBody(name, type, values));
    setValues({});
    setName('');
    onCreated(created);
  });
  const submit = (event: Event) => {
    event.preventDefault();
    save();
  };

  return (
    <form class="dialog-body" onSubmit={submit} autoComplete="off">
      <div class="field">
        <label for="credential-name">Name</label>
        <input id="credential-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="Example shop" />
      </div>
      <fieldset class="field type-choice">
        <legend>Type</legend>
        {(Object.keys(TYPE_LABELS) as CredentialType[]).map((kind) => (
          <label key={kind} class="radio">
            <input
              type="radio"
              name="credential-type"
              value={kind}
              checked={type === kind}
              onChange={() => {
                setType(kind);
                setValues({});
              }}
            />
            {TYPE_LABELS[kind]}
          </label>
        ))}
      </fieldset>
      <div class={type === 'credit_card' ? 'card-grid' : undefined}>
        {FIELDS[type].map((field) => (
          <div class="field" key={`${type}-${field.name}`}>
            <label for={`credential-${field.name}`}>{field.label}</label>
            <input
              id={`credential-${field.name}`}
              type={field.secret ? 'password' : 'text'}
              required={field.required}
              autoComplete={field.autocomplete}
              inputMode={field.inputMode}
              spellcheck={false}
              value={values[field.name] ?? ''}
              onInput={(e) => setValues({ ...values, [field.name]: e.currentTarget.value })}
              aria-describedby={field.hint ? `credential-${field.name}-hint` : undefined}
            />
            {field.hint && (
              <p class="hint" id={`credential-${field.name}-hint`}>
                {field.hint}
              </p>
            )}
          </div>
        ))}
      </div>
      <p class="hint">Values are sealed in the appliance's vault and never shown again, here or by the API.</p>
      <FormActions error={error} busy={busy} submit="Save credential" busyLabel="Saving…" onCancel={onCancel} />
    </form>
  );
}
