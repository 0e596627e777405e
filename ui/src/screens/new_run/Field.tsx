// A labelled form field with its hint and its error, and the aria attributes its control needs.
import type { ComponentChildren } from 'preact';

/** `aria-describedby` and `aria-invalid` for the control of field `id`. */
export function described(id: string, hint?: ComponentChildren, error?: string) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { 'aria-describedby': ids || undefined, 'aria-invalid': error ? true : undefined };
}

export function Field(props: { id: string; label: string; hint?: ComponentChildren; error?: string; optional?: boolean; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={props.id}>
        {props.label}
        {props.optional && <span class="optional"> (optional)</span>}
      </label>
      {props.children}
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${props.id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}
