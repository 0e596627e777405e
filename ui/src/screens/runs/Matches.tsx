// What a search found in a run: each field's snippet, with the matched words emphasised. The
// API marks them with <b>…</b> in otherwise escaped HTML; it is read as text, never as markup.
import type { SearchMatch } from './types';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

function unescape(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** The snippet as text parts, every odd one matched. */
export function snippetParts(snippet: string): string[] {
  return snippet.split(/<\/?b>/).map(unescape);
}

const FIELD_NAMES: Record<string, string> = {
  run_id: 'Run id',
  title: 'Title',
  url: 'URL',
  prompt: 'Prompt',
  output: 'Output',
  failure_reason: 'Failure',
  errors: 'Errors',
  thoughts: 'Thoughts',
  actions: 'Actions',
};

export function Matches({ matches }: { matches: SearchMatch[] }) {
  if (!matches.length) return null;
  return (
    <dl class="run-matches">
      {matches.map((match, i) => (
        <div key={i}>
          <dt>{FIELD_NAMES[match.field] ?? match.field}</dt>
          <dd>
            {snippetParts(match.snippet).map((part, j) => (j % 2 ? <mark key={j}>{part}</mark> : part))}
          </dd>
        </div>
      ))}
    </dl>
  );
}
