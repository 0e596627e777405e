// The credential shapes the API answers (values never come back), and the placeholders a run's
// prompt or script names their values with.

export type CredentialType = 'password' | 'credit_card' | 'secret';

export interface Credential {
  credential_id: string;
  name: string;
  credential_type: CredentialType;
  credential: {
    username?: string;
    totp_type?: string;
    totp_identifier?: string | null;
    last_four?: string;
    brand?: string;
    secret_label?: string | null;
  };
  /** Not in the API's answer today; shown when it is. */
  created_at?: string;
}

export const TYPE_LABELS: Record<CredentialType, string> = {
  password: 'Password',
  credit_card: 'Credit card',
  secret: 'Secret',
};

/** The fields a run may type from a credential of each type. */
export const TYPED_FIELDS: Record<CredentialType, string[]> = {
  password: ['username', 'password'],
  credit_card: ['card_number', 'card_cvv', 'card_exp_month', 'card_exp_year', 'card_holder_name'],
  secret: ['secret_value'],
};

export function placeholder(id: string, field: string): string {
  return `{{credential.${id}.${field}}}`;
}

/** What may be shown of a credential: its user name, its card's brand and last four, its label. */
export function summary(credential: Credential): string {
  const shown = credential.credential ?? {};
  switch (credential.credential_type) {
    case 'password':
      return [shown.username, shown.totp_type && shown.totp_type !== 'none' ? `codes: ${shown.totp_type}` : '']
        .filter(Boolean)
        .join(' · ');
    case 'credit_card':
      return `${shown.brand ?? 'Card'} ending ${shown.last_four ?? '····'}`;
    case 'secret':
      return shown.secret_label ?? '';
  }
  return '';
}
