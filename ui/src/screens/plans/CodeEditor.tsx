// A plain-text editor for a plan: a textarea with line numbers, the lines with problems marked
// in the gutter, and the list of problems under it (each moves the caret to its line).
import { useRef } from 'preact/hooks';
import type { Problem } from './locate';

export function CodeEditor(props: { id: string; label: string; value: string; onInput: (text: string) => void; problems: Problem[]; readOnly?: boolean }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const count = props.value.split('\n').length;
  const bad = new Set(props.problems.map((p) => p.line));
  const goTo = (line: number) => {
    const textarea = area.current;
    if (!textarea) return;
    const lines = props.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[line - 1] ?? '').length);
    const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
    textarea.scrollTop = Math.max(0, (line - 4) * lineHeight);
  };
  const errorsId = `${props.id}-problems`;
  return (
    <div class="code-editor-wrap">
      <label for={props.id}>{props.label}</label>
      <div class={props.problems.length ? 'code-editor has-problems' : 'code-editor'}>
        <div class="code-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: count }, (_, i) => (
            <div key={i} class={bad.has(i + 1) ? 'gutter-line bad' : 'gutter-line'} data-line={i + 1}>
              {bad.has(i + 1) ? '! ' : ''}
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          id={props.id}
          ref={area}
          class="code-area"
          value={props.value}
          readOnly={props.readOnly}
          spellcheck={false}
          wrap="off"
          autocomplete="off"
          aria-invalid={props.problems.length > 0}
          aria-describedby={props.problems.length ? errorsId : undefined}
          onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = (e.target as HTMLTextAreaElement).scrollTop;
          }}
          onKeyDown={(e) => {
            // Tab indents by two spaces; Escape then Tab leaves the editor.
            if (e.key === 'Tab' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !props.readOnly && !(e.target as HTMLTextAreaElement).dataset.escaped) {
              e.preventDefault();
              const t = e.target as HTMLTextAreaElement;
              t.setRangeText('  ', t.selectionStart, t.selectionEnd, 'end');
              props.onInput(t.value);
            }
            const t = e.target as HTMLTextAreaElement;
            if (e.key === 'Escape') t.dataset.escaped = '1';
            else if (e.key !== 'Tab') delete t.dataset.escaped;
          }}
        />
      </div>
      <p class="hint">Tab indents; press Escape, then Tab, to move on from the editor.</p>
      {props.problems.length > 0 && (
        <ul class="code-problems" id={errorsId} aria-label="Problems in the plan">
          {props.problems.map((p, i) => (
            <li key={i}>
              <button type="button" class="linkish" onClick={() => goTo(p.line)}>
                Line {p.line}
              </button>
              {p.where && <code class="problem-where">{p.where}</code>}: {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
