// Where things are in a plan's text: a JSON reader that records the line of every key and item
// (and says where a syntax error is), a YAML locator by indentation, and the line an API
// error's location (`["body","json_definition","workflow_definition","blocks",2,"url"]`) names.

export class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Line (1-based) of each path in a JSON text, keyed by the path joined with "/". */
export function jsonLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let at = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new SyntaxProblem(`${what} (line ${line})`, line);
  };
  const space = () => {
    while (at < text.length) {
      const c = text[at];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
      at++;
    }
  };
  const string = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') {
      if (text[at] === '\\') at++;
      else if (text[at] === '\n') fail('a text is not closed before the end of the line');
      at++;
    }
    if (at >= text.length) fail('a text is not closed');
    at++;
    try {
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      return fail('a text holds an invalid escape');
    }
  };
  const value = (path: string) => {
    space();
    if (!lines.has(path)) lines.set(path, line);
    const c = text[at];
    if (c === '{') {
      at++;
      space();
      if (text[at] === '}') return void at++;
      for (;;) {
        space();
        if (text[at] !== '"') fail(`expected a key in quotes, found ${describe(text[at])}`);
        const keyLine = line;
        const key = string();
        const child = path ? `${path}/${key}` : key;
        lines.set(child, keyLine);
        space();
        if (text[at] !== ':') fail(`expected ':' after the key "${key}", found ${describe(text[at])}`);
        at++;
        value(child);
        space();
        if (text[at] === ',') {
          at++;
          space();
          if (text[at] === '}') fail("a ',' before '}' (trailing commas are not JSON)");
          continue;
        }
        if (text[at] === '}') return void at++;
        fail(`expected ',' or '}' after the value of "${key}", found ${describe(text[at])}`);
      }
    }
    if (c === '[') {
      at++;
      space();
      if (text[at] === ']') return void at++;
      for (let i = 0; ; i++) {
        value(path ? `${path}/${i}` : String(i));
        space();
        if (text[at] === ',') {
          at++;
          space();
          if (text[at] === ']') fail("a ',' before ']' (trailing commas are not JSON)");
          continue;
        }
        if (text[at] === ']') return void at++;
        fail(`expected ',' or ']' in a list, found ${describe(text[at])}`);
      }
    }
    if (c === '"') return void string();
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(at, at + 64));
    if (!literal) fail(`expected a value, found ${describe(c)}`);
    at += (literal as RegExpExecArray)[0].length;
  };
  value('');
  space();
  if (at < text.length) fail(`unexpected ${describe(text[at])} after the end of the JSON`);
  return lines;
}

function describe(c: string | undefined): string {
  return c === undefined ? 'the end of the text' : `'${c}'`;
}

/** The line of a path in a YAML text, found by indentation: keys (`key:`) and list items (`- `). */
export function yamlLine(text: string, path: string[]): number {
  const lines = text.split('\n');
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const meaningful = (l: string) => l.trim() !== '' && !l.trim().startsWith('#');
  const isDash = (l: string) => l.trimStart().startsWith('- ') || l.trim() === '-';
  /** The first line after `start` where `ends` holds (the end of a value's lines). */
  const endAfter = (start: number, ends: (indent: number, line: string) => boolean) => {
    for (let i = start + 1; i < lines.length; i++) if (meaningful(lines[i]) && ends(indentOf(lines[i]), lines[i])) return i;
    return lines.length;
  };
  let from = 0;
  let to = lines.length;
  let found = 1;
  for (const segment of path) {
    let first = -1;
    for (let i = from; i < to; i++) {
      if (meaningful(lines[i])) {
        first = i;
        break;
      }
    }
    if (first === -1) return found;
    const base = indentOf(lines[first]);
    let hit = -1;
    if (/^\d+$/.test(segment)) {
      let count = -1;
      for (let i = first; i < to; i++) {
        const l = lines[i];
        if (!meaningful(l)) continue;
        if (indentOf(l) < base) break;
        if (indentOf(l) === base && isDash(l) && ++count === Number(segment)) {
          hit = i;
          break;
        }
      }
      if (hit === -1) return found;
      found = hit + 1;
      to = Math.min(to, endAfter(hit, (ind) => ind <= base));
      // The item's first key sits after its dash, in line with the keys below it.
      lines[hit] = ' '.repeat(base + 2) + lines[hit].trimStart().slice(1).trimStart();
      from = hit;
    } else {
      const key = new RegExp(`^("${escape(segment)}"|'${escape(segment)}'|${escape(segment)})\\s*:`);
      for (let i = first; i < to; i++) {
        const l = lines[i];
        if (!meaningful(l)) continue;
        if (indentOf(l) < base) break;
        if (indentOf(l) === base && key.test(l.trimStart())) {
          hit = i;
          break;
        }
      }
      if (hit === -1) return found;
      found = hit + 1;
      from = hit + 1;
      to = Math.min(to, endAfter(hit, (ind, l) => ind < base || (ind === base && !isDash(l))));
    }
  }
  return found;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface Problem {
  line: number;
  where: string;
  message: string;
}

/** Problems from an API error body (FastAPI's `detail` list), placed on lines of the text. */
export function problemsFromApi(body: unknown, text: string, format: 'json' | 'yaml', fallback: string): Problem[] {
  const detail = body && typeof body === 'object' ? (body as { detail?: unknown }).detail : undefined;
  if (!Array.isArray(detail)) return [{ line: 1, where: '', message: typeof detail === 'string' ? detail : fallback }];
  let lines: Map<string, number> | null = null;
  if (format === 'json') {
    try {
      lines = jsonLines(text);
    } catch {
      lines = null;
    }
  }
  return detail.map((d: { loc?: unknown[]; msg?: string }) => {
    const loc = (d.loc ?? []).map(String);
    const at = loc.findIndex((part) => part === 'json_definition' || part === 'yaml_definition');
    const path = at >= 0 ? loc.slice(at + 1) : loc.slice(1);
    const message = d.msg ?? fallback;
    let line = 1;
    const stated = /line (\d+)/.exec(message);
    if (path.length === 0 && stated) line = Number(stated[1]);
    else if (format === 'json' && lines) {
      // The deepest part of the path the text has.
      for (let n = path.length; n >= 0; n--) {
        const found = lines.get(path.slice(0, n).join('/'));
        if (found !== undefined) {
          line = found;
          break;
        }
      }
    } else if (format === 'yaml') line = yamlLine(text, path);
    return { line, where: path.join('.'), message };
  });
}
