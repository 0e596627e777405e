// Error codes the agent may report (Skyvern's `error_code_mapping`): code and meaning pairs,
// added and removed as rows.
import type { ErrorCodeRow } from './form';
import { newRowKey } from './form';

export function ErrorCodes(props: { rows: ErrorCodeRow[]; error?: string; onChange: (rows: ErrorCodeRow[]) => void }) {
  const { rows, onChange } = props;
  const update = (key: number, change: Partial<ErrorCodeRow>) => onChange(rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  return (
    <fieldset class="field error-codes" aria-describedby={`run-error-codes-hint${props.error ? ' run-error-codes-error' : ''}`}>
      <legend>
        Error codes <span class="optional">(optional)</span>
      </legend>
      <p class="hint" id="run-error-codes-hint">
        Codes the agent may report when the goal cannot be met, each with what it means. The run then ends terminated with that code in its errors.
      </p>
      {rows.length > 0 && (
        <ul class="code-rows">
          {rows.map((row, i) => (
            <li key={row.key} class="code-row">
              <div>
                <label for={`code-${row.key}`}>Code {i + 1}</label>
                <input id={`code-${row.key}`} value={row.code} placeholder="OUT_OF_STOCK" onInput={(e) => update(row.key, { code: e.currentTarget.value })} />
              </div>
              <div class="code-meaning">
                <label for={`meaning-${row.key}`}>Meaning of code {i + 1}</label>
                <input
                  id={`meaning-${row.key}`}
                  value={row.meaning}
                  placeholder="The product page says it is sold out"
                  onInput={(e) => update(row.key, { meaning: e.currentTarget.value })}
                />
              </div>
              <button type="button" class="secondary small" aria-label={`Remove code ${i + 1}${row.code ? ` (${row.code})` : ''}`} onClick={() => onChange(rows.filter((r) => r.key !== row.key))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        id="run-error-codes-add"
        class="secondary small"
        onClick={() => {
          const key = newRowKey();
          onChange([...rows, { key, code: '', meaning: '' }]);
          setTimeout(() => document.getElementById(`code-${key}`)?.focus());
        }}
      >
        Add an error code
      </button>
      {props.error && (
        <p class="field-error" id="run-error-codes-error">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}
