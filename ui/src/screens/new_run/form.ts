// The new-run form's values, how they become a `POST /v1/run/tasks` body and back (for a rerun),
// and which field each problem belongs to: the form's own checks and the server's 422s.
export type Engine = 'agent' | 'code';

export interface ErrorCodeRow {
  key: number;
  code: string;
  meaning: string;
}

export interface FileRow {
  name: string;
  /** What the request names the file by: an uploaded file's `s3_uri` (or the original run's value). */
  ref: string;
  size?: number;
}

export interface FormValues {
  title: string;
  prompt: string;
  url: string;
  engine: Engine;
  script: string;
  schema: string;
  errorCodes: ErrorCodeRow[];
  maxSteps: string;
  model: string;
  webhookUrl: string;
  sessionId: string;
  files: FileRow[];
}

export type FieldKey = keyof FormValues;
export type FieldErrors = Partial<Record<FieldKey, string>>;

export const EMPTY: FormValues = {
  title: '',
  prompt: '',
  url: '',
  engine: 'agent',
  script: '',
  schema: '',
  errorCodes: [],
  maxSteps: '',
  model: '',
  webhookUrl: '',
  sessionId: '',
  files: [],
};

/** The order fields appear in, for focusing the first one with a problem. */
export const FIELD_ORDER: FieldKey[] = ['title', 'prompt', 'url', 'engine', 'script', 'schema', 'errorCodes', 'maxSteps', 'model', 'sessionId', 'files', 'webhookUrl'];

/** The element id of each field's control. */
export const CONTROL_ID: Record<FieldKey, string> = {
  title: 'run-title',
  prompt: 'run-prompt',
  url: 'run-url',
  engine: 'run-engine-agent',
  script: 'run-script',
  schema: 'run-schema',
  errorCodes: 'run-error-codes-add',
  maxSteps: 'run-max-steps',
  model: 'run-model',
  webhookUrl: 'run-webhook',
  sessionId: 'run-session',
  files: 'run-files',
};

/** Parses a JSON text; an empty text is `undefined` without an error. */
export function parseJson(text: string): { value?: unknown; error?: string } {
  if (!text.trim()) return {};
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
}

/** What is wrong before anything is sent: JSON that does not parse, a missing goal or script. */
export function localErrors(values: FormValues, submitting = false): FieldErrors {
  const errors: FieldErrors = {};
  const schema = parseJson(values.schema);
  if (schema.error) errors.schema = schema.error;
  else if (schema.value !== undefined && (typeof schema.value !== 'object' || schema.value === null || Array.isArray(schema.value))) {
    errors.schema = 'The schema must be a JSON object, such as {"type": "object", "properties": {…}}.';
  }
  if (values.engine === 'code') {
    const script = parseJson(values.script);
    if (script.error) errors.script = script.error;
    else if (script.value !== undefined && !Array.isArray(script.value)) errors.script = 'The script must be a JSON list of actions: [{"action": "goto", …}, …].';
    else if (submitting && script.value === undefined) errors.script = 'The code engine needs a script.';
  }
  if (submitting && values.engine === 'agent' && !values.prompt.trim()) errors.prompt = 'Say what the agent should do.';
  if (values.maxSteps && !/^\d+$/.test(values.maxSteps.trim())) errors.maxSteps = 'A whole number, from 1 to 1000.';
  const codes = values.errorCodes.map((row) => row.code.trim()).filter(Boolean);
  if (new Set(codes).size !== codes.length) errors.errorCodes = 'Each code may appear once.';
  return errors;
}

/** The request body: only what was filled in, plus `extra` (fields of a rerun's request the form does not show). */
export function toRequest(values: FormValues, extra: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...extra };
  const text = (key: string, value: string) => {
    if (value.trim()) body[key] = value.trim();
  };
  text('title', values.title);
  if (values.prompt.trim()) body.prompt = values.prompt;
  text('url', values.url);
  body.engine = values.engine;
  if (values.engine === 'code') {
    const script = parseJson(values.script).value;
    if (script !== undefined) body.script = script;
  }
  const schema = parseJson(values.schema).value;
  if (schema !== undefined) body.data_extraction_schema = schema;
  const codes = values.errorCodes.filter((row) => row.code.trim());
  if (codes.length) body.error_code_mapping = Object.fromEntries(codes.map((row) => [row.code.trim(), row.meaning.trim()]));
  if (values.maxSteps.trim()) body.max_steps = Number(values.maxSteps.trim());
  if (values.model.trim()) body.model = { model_name: values.model.trim() };
  text('webhook_url', values.webhookUrl);
  text('browser_session_id', values.sessionId);
  if (values.files.length) body.files = Object.fromEntries(values.files.map((file) => [file.name, file.ref]));
  return body;
}

/** Request fields the form shows (everything else of a rerun's request travels as it was). */
const SHOWN = ['title', 'prompt', 'url', 'engine', 'run_with', 'script', 'data_extraction_schema', 'error_code_mapping', 'max_steps', 'model', 'webhook_url', 'browser_session_id', 'files'];

let rowKeys = 0;
export function newRowKey(): number {
  rowKeys += 1;
  return rowKeys;
}

const str = (value: unknown) => (typeof value === 'string' ? value : value == null ? '' : String(value));

/** A stored request as form values; `extra` keeps the fields the form does not show, `notes` say what could not be kept. */
export function fromRequest(body: Record<string, unknown>): { values: FormValues; extra: Record<string, unknown>; notes: string[] } {
  const notes: string[] = [];
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (SHOWN.includes(key) || value == null) continue;
    if (key === 'secrets') {
      const names = Object.keys(value as object);
      if (names.length) notes.push(`The original run was given secrets (${names.join(', ')}). Their values are never stored and this form does not send secrets; use Rerun on the run's page to give them again.`);
      continue;
    }
    extra[key] = value;
  }
  const extras = Object.keys(extra);
  if (extras.length) notes.push(`Also sent as in the original request: ${extras.join(', ')}.`);
  const script = body.script;
  const engine: Engine = body.engine === 'code' || body.run_with === 'code' || (Array.isArray(script) && script.length > 0) ? 'code' : 'agent';
  const schema = body.data_extraction_schema;
  const model = body.model as Record<string, unknown> | null | undefined;
  const codes = (body.error_code_mapping ?? {}) as Record<string, unknown>;
  const files = (body.files ?? {}) as Record<string, unknown>;
  return {
    values: {
      title: str(body.title),
      prompt: str(body.prompt),
      url: str(body.url),
      engine,
      script: Array.isArray(script) ? JSON.stringify(script, null, 2) : '',
      schema: schema == null ? '' : typeof schema === 'string' ? schema : JSON.stringify(schema, null, 2),
      errorCodes: Object.entries(codes).map(([code, meaning]) => ({ key: newRowKey(), code, meaning: str(meaning) })),
      maxSteps: body.max_steps == null ? '' : str(body.max_steps),
      model: model && typeof model === 'object' ? str(model.model_name ?? model.model) : str(model),
      webhookUrl: str(body.webhook_url),
      sessionId: str(body.browser_session_id),
      files: Object.entries(files)
        .filter(([, ref]) => typeof ref === 'string' && ref)
        .map(([name, ref]) => ({ name, ref: ref as string })),
    },
    extra,
    notes,
  };
}

/** The request field each form field is sent as. */
const FROM_REQUEST_FIELD: Record<string, FieldKey> = {
  title: 'title',
  prompt: 'prompt',
  url: 'url',
  engine: 'engine',
  run_with: 'engine',
  script: 'script',
  data_extraction_schema: 'schema',
  error_code_mapping: 'errorCodes',
  max_steps: 'maxSteps',
  model: 'model',
  webhook_url: 'webhookUrl',
  browser_session_id: 'sessionId',
  files: 'files',
};

interface Problem {
  loc?: unknown[];
  msg?: string;
}

/** A 422's FastAPI `detail` list, sorted onto the fields; what belongs to none goes to `other`. */
export function serverErrors(body: unknown): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  const detail = (body as { detail?: unknown })?.detail;
  if (!Array.isArray(detail)) return { fields, other };
  for (const problem of detail as Problem[]) {
    const loc = Array.isArray(problem.loc) ? problem.loc.map(String) : [];
    const path = loc[0] === 'body' ? loc.slice(1) : loc;
    const field = FROM_REQUEST_FIELD[path[0] ?? ''];
    const where = path.slice(1).length ? ` (at ${path.slice(1).join('.')})` : '';
    const text = problem.msg ?? 'Not accepted';
    const message = `${text.charAt(0).toUpperCase()}${text.slice(1)}${where}`;
    if (field) fields[field] = fields[field] ? `${fields[field]}\n${message}` : message;
    else other.push(path.length ? `${path.join('.')}: ${problem.msg ?? ''}` : problem.msg ?? 'The request was refused.');
  }
  return { fields, other };
}
