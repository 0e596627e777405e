// A form field for each workflow parameter of a plan, by its type (text, number, yes/no, JSON),
// and the reading of what was typed into the values the API takes.
import type { Parameter } from '../plan_run/model';

export type Values = Record<string, string | boolean>;

export function workflowParameters(parameters: Parameter[] | undefined): Parameter[] {
  return (parameters ?? []).filter((p) => p.parameter_type === 'workflow');
}

/** What a field starts with: the default, as text (JSON for json parameters). */
export function initialValues(parameters: Parameter[], given?: Record<string, unknown>): Values {
  const values: Values = {};
  for (const p of parameters) {
    const value = given && p.key in given ? given[p.key] : p.default_value;
    if (p.workflow_parameter_type === 'boolean') values[p.key] = value === true || value === 'true';
    else if (value == null) values[p.key] = '';
    else if (p.workflow_parameter_type === 'json') values[p.key] = JSON.stringify(value, null, 2);
    else values[p.key] = String(value);
  }
  return values;
}

/** The values to send, or the errors per key. */
export function readValues(parameters: Parameter[], values: Values): { values: Record<string, unknown>; errors: Record<string, string> } {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const p of parameters) {
    const raw = values[p.key];
    const type = p.workflow_parameter_type ?? 'string';
    if (type === 'boolean') {
      out[p.key] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') {
      if (p.default_value === undefined || p.default_value === null) errors[p.key] = 'A value is needed: this parameter has no default.';
      continue;
    }
    if (type === 'integer') {
      if (!/^-?\d+$/.test(text.trim())) errors[p.key] = 'A whole number, such as 3.';
      else out[p.key] = Number(text.trim());
    } else if (type === 'float') {
      const n = Number(text.trim());
      if (!Number.isFinite(n)) errors[p.key] = 'A number, such as 2.5.';
      else out[p.key] = n;
    } else if (type === 'json') {
      try {
        out[p.key] = JSON.parse(text);
      } catch (e) {
        errors[p.key] = `Not valid JSON: ${(e as Error).message}`;
      }
    } else out[p.key] = text;
  }
  return { values: out, errors };
}

export function ParameterFields(props: { parameters: Parameter[]; values: Values; errors: Record<string, string>; onChange: (values: Values) => void; idPrefix: string }) {
  if (!props.parameters.length) return <p class="muted">This plan takes no parameters.</p>;
  return (
    <>
      {props.parameters.map((p) => {
        const id = `${props.idPrefix}-${p.key}`;
        const type = p.workflow_parameter_type ?? 'string';
        const set = (value: string | boolean) => props.onChange({ ...props.values, [p.key]: value });
        const error = props.errors[p.key];
        const hintId = `${id}-hint`;
        const hint = `${type}${p.default_value !== undefined && p.default_value !== null ? `; empty uses the default ${JSON.stringify(p.default_value)}` : '; required'}${p.description ? ` — ${p.description}` : ''}`;
        const described = error ? `${hintId} ${id}-error` : hintId;
        return (
          <div class="field" key={p.key}>
            {type === 'boolean' ? (
              <label class="check-label" for={id}>
                <input id={id} type="checkbox" checked={props.values[p.key] === true} onChange={(e) => set((e.target as HTMLInputElement).checked)} aria-describedby={described} />{' '}
                {p.key}
              </label>
            ) : (
              <label for={id}>{p.key}</label>
            )}
            {type === 'json' ? (
              <textarea id={id} rows={4} value={String(props.values[p.key] ?? '')} onInput={(e) => set((e.target as HTMLTextAreaElement).value)} aria-invalid={!!error} aria-describedby={described} />
            ) : type === 'boolean' ? null : (
              <input
                id={id}
                type={type === 'integer' || type === 'float' ? 'number' : 'text'}
                step={type === 'integer' ? '1' : type === 'float' ? 'any' : undefined}
                value={String(props.values[p.key] ?? '')}
                onInput={(e) => set((e.target as HTMLInputElement).value)}
                aria-invalid={!!error}
                aria-describedby={described}
              />
            )}
            <div class="hint" id={hintId}>
              {hint}
            </div>
            {error && (
              <div class="field-error" id={`${id}-error`}>
                {error}
              </div>
            )}
          </div>
        );
      })}
    </>
  );
}
