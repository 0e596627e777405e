// Messages in a screen: an error box (role=alert), an empty state, a loading line.
import type { ComponentChildren } from 'preact';

export function ErrorBox({ title, children }: { title?: string; children: ComponentChildren }) {
  return (
    <div class="error-box" role="alert">
      {title && <strong>{title}</strong>}
      <div>{children}</div>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Loading() {
  return <p class="muted" aria-live="polite">Loading…</p>;
}
