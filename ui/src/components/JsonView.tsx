// JSON with line numbers and syntax highlighting, built from tokens (never from HTML strings).
import type { JSX } from 'preact';

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

function highlight(line: string): JSX.Element[] {
  const parts: JSX.Element[] = [];
  let last = 0;
  for (const found of line.matchAll(TOKEN)) {
    const at = found.index ?? 0;
    if (at > last) parts.push(<>{line.slice(last, at)}</>);
    const [whole, string, colon, literal, number] = found;
    if (string) parts.push(<span class={colon ? 'j-key' : 'j-str'}>{string}</span>, <>{colon ?? ''}</>);
    else if (literal) parts.push(<span class="j-lit">{literal}</span>);
    else if (number) parts.push(<span class="j-num">{number}</span>);
    last = at + whole.length;
  }
  if (last < line.length) parts.push(<>{line.slice(last)}</>);
  return parts;
}

export function JsonView({ value, label }: { value: unknown; label: string }) {
  const lines = JSON.stringify(value ?? null, null, 2).split('\n');
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {lines.map((line, i) => (
        <div class="json-line" key={i}>
          <span class="json-no" aria-hidden="true">
            {i + 1}
          </span>
          <code>{highlight(line)}</code>
        </div>
      ))}
    </pre>
  );
}
