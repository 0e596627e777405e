// Plan text as YAML: writing a value as block YAML, and reading the common subset back (block
// mappings and lists, plain and quoted scalars, `|` and `>` texts, JSON-like flow collections)
// for the live preview. The appliance reads the YAML itself when it is saved.
import { SyntaxProblem } from './locate';

const PLAIN = /^[A-Za-z_][\w .\/-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|~|-?\d[\d_.eE+-]*)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  const text = String(value);
  if (text !== '' && PLAIN.test(text) && !RESERVED.test(text) && !text.endsWith(' ') && !text.includes(': ') && !text.includes(' #')) return text;
  return JSON.stringify(text);
}

/** A value as block YAML. */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return value
      .map((item) => {
        if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length) {
          const body = toYaml(item, `${indent}  `);
          return `${indent}- ${body.slice(indent.length + 2)}`;
        }
        return `${indent}- ${inline(item, `${indent}  `)}`;
      })
      .join('\n');
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length) return '{}';
    return entries
      .map(([key, v]) => {
        const k = PLAIN.test(key) && !RESERVED.test(key) ? key : JSON.stringify(key);
        if (v && typeof v === 'object' && (Array.isArray(v) ? v.length : Object.keys(v).length)) {
          return `${indent}${k}:\n${toYaml(v, Array.isArray(v) ? indent : `${indent}  `)}`;
        }
        return `${indent}${k}: ${inline(v, `${indent}  `)}`;
      })
      .join('\n');
  }
  return `${indent}${scalar(value)}`;
}

function inline(value: unknown, indent: string): string {
  if (Array.isArray(value)) return value.length ? `\n${toYaml(value, indent)}` : '[]';
  if (value && typeof value === 'object') return Object.keys(value).length ? `\n${toYaml(value, indent)}` : '{}';
  if (typeof value === 'string' && value.includes('\n')) {
    return `|-\n${value
      .split('\n')
      .map((l) => (l ? indent + l : ''))
      .join('\n')}`;
  }
  return scalar(value);
}

interface Line {
  no: number;
  indent: number;
  text: string;
}

/** Reads the common subset of YAML; throws a SyntaxProblem with its line. */
export function fromYaml(source: string): unknown {
  const all = source.split('\n');
  const lines: Line[] = [];
  all.forEach((raw, i) => {
    const text = stripComment(raw).replace(/\s+$/, '');
    if (text.trim() === '' || text.trim() === '---') return;
    if (/^\t/.test(raw)) throw new SyntaxProblem(`tabs cannot indent YAML (line ${i + 1})`, i + 1);
    lines.push({ no: i + 1, indent: text.length - text.trimStart().length, text: text.trimStart() });
  });
  let at = 0;

  const block = (): unknown => {
    const first = lines[at];
    if (!first) return null;
    if (first.text === '-' || first.text.startsWith('- ')) return list(first.indent);
    return map(first.indent);
  };

  const list = (indent: number): unknown[] => {
    const out: unknown[] = [];
    while (at < lines.length && lines[at].indent === indent && (lines[at].text === '-' || lines[at].text.startsWith('- '))) {
      const line = lines[at];
      const rest = line.text === '-' ? '' : line.text.slice(2).trimStart();
      if (!rest) {
        at++;
        out.push(at < lines.length && lines[at].indent > indent ? block() : null);
      } else if (isKey(rest)) {
        // "- key: value": a map whose keys sit at the column after the dash.
        const column = indent + (line.text.length - rest.length);
        lines[at] = { no: line.no, indent: column, text: rest };
        out.push(map(column));
      } else {
        at++;
        out.push(value(rest, line, indent));
      }
    }
    if (at < lines.length && lines[at].indent > indent) throw new SyntaxProblem(`unexpected indentation (line ${lines[at].no})`, lines[at].no);
    return out;
  };

  const map = (indent: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    while (at < lines.length && lines[at].indent === indent) {
      const line = lines[at];
      if (line.text.startsWith('- ')) throw new SyntaxProblem(`a list item where a key was expected (line ${line.no})`, line.no);
      const found = keyOf(line.text);
      if (!found) throw new SyntaxProblem(`expected "key: value" (line ${line.no})`, line.no);
      const [key, rest] = found;
      at++;
      if (rest === '') {
        if (at < lines.length && (lines[at].indent > indent || (lines[at].indent === indent && lines[at].text.startsWith('- ')))) out[key] = block();
        else out[key] = null;
      } else out[key] = value(rest, line, indent);
    }
    if (at < lines.length && lines[at].indent > indent) throw new SyntaxProblem(`unexpected indentation (line ${lines[at].no})`, lines[at].no);
    return out;
  };

  const value = (text: string, line: Line, indent: number): unknown => {
    if (/^[|>][+-]?$/.test(text)) {
      const folded = text[0] === '>';
      const parts: string[] = [];
      let base = -1;
      // Block text: every following line deeper than the key, blank lines included.
      let i = line.no;
      while (i < all.length) {
        const raw = all[i];
        const ind = raw.length - raw.trimStart().length;
        if (raw.trim() !== '' && ind <= indent) break;
        if (base === -1 && raw.trim() !== '') base = ind;
        parts.push(raw.trim() === '' ? '' : raw.slice(Math.max(0, base)));
        i++;
      }
      while (at < lines.length && lines[at].no <= i) at++;
      while (parts.length && parts[parts.length - 1] === '') parts.pop();
      const joined = folded ? parts.join(' ') : parts.join('\n');
      return text.endsWith('-') ? joined : `${joined}\n`;
    }
    return flowValue(text, line.no);
  };

  const result = lines.length ? block() : null;
  if (at < lines.length) throw new SyntaxProblem(`unexpected text (line ${lines[at].no})`, lines[at].no);
  return result;
}

function stripComment(raw: string): string {
  let quote = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]))) return raw.slice(0, i);
  }
  return raw;
}

function keyOf(text: string): [string, string] | null {
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*:(\s+|$)(.*)$/.exec(text);
  if (quoted) return [quoted[1].startsWith('"') ? JSON.parse(quoted[1]) : quoted[1].slice(1, -1).replace(/''/g, "'"), quoted[4]];
  const plain = /^([^\s#'"{[][^:]*?)\s*:(\s+|$)(.*)$/.exec(text);
  return plain ? [plain[1], plain[3]] : null;
}

function isKey(text: string): boolean {
  return keyOf(text) !== null;
}

/** A scalar or a flow collection. */
function flowValue(text: string, line: number): unknown {
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxProblem(`${what} (line ${line})`, line);
  };
  const space = () => {
    while (text[at] === ' ') at++;
  };
  const item = (inFlow: boolean): unknown => {
    space();
    const c = text[at];
    if (c === '[') {
      at++;
      const out: unknown[] = [];
      space();
      if (text[at] === ']') return at++, out;
      for (;;) {
        out.push(item(true));
        space();
        if (text[at] === ',') at++;
        else if (text[at] === ']') return at++, out;
        else fail("expected ',' or ']'");
      }
    }
    if (c === '{') {
      at++;
      const out: Record<string, unknown> = {};
      space();
      if (text[at] === '}') return at++, out;
      for (;;) {
        space();
        const key = String(item(true));
        space();
        if (text[at] !== ':') fail("expected ':' in a {…} mapping");
        at++;
        out[key] = item(true);
        space();
        if (text[at] === ',') at++;
        else if (text[at] === '}') return at++, out;
        else fail("expected ',' or '}'");
      }
    }
    if (c === '"') {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(at));
      if (!end) fail('a text in double quotes is not closed');
      at += (end as RegExpExecArray)[0].length;
      return JSON.parse((end as RegExpExecArray)[0]);
    }
    if (c === "'") {
      const end = /^'(?:[^']|'')*'/.exec(text.slice(at));
      if (!end) fail('a text in single quotes is not closed');
      at += (end as RegExpExecArray)[0].length;
      return (end as RegExpExecArray)[0].slice(1, -1).replace(/''/g, "'");
    }
    let end = text.length;
    if (inFlow) {
      end = at;
      while (end < text.length && !',]}'.includes(text[end]) && !(text[end] === ':' && (end + 1 === text.length || text[end + 1] === ' '))) end++;
    }
    const raw = text.slice(at, end).trim();
    at = end;
    if (raw === 'null' || raw === '~' || raw === '') return null;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
    return raw;
  };
  const result = item(false);
  space();
  if (at < text.length) fail(`unexpected '${text[at]}'`);
  return result;
}
