// The new-run form: what to do, what to bring back, the browser and limits, credentials and
// files; checked as it is typed, sent to `POST /v1/run/tasks`, then the run's live screen opens.
import { useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { ErrorBox } from '../../components/Notice';
import { navigate } from '../../router';
import { CredentialPicker } from './CredentialPicker';
import { ErrorCodes } from './ErrorCodes';
import { described, Field } from './Field';
import { FileUploads } from './FileUploads';
import { CONTROL_ID, FIELD_ORDER, localErrors, serverErrors, toRequest, type FieldErrors, type FieldKey, type FormValues } from './form';
import { SessionSelect } from './SessionSelect';

const SCHEMA_EXAMPLE = '{"type": "object", "properties": {"price": {"type": "number"}}}';
const SCRIPT_EXAMPLE = '[{"action": "wait_for_selector", "selector": "h1"},\n {"action": "extract", "fields": {"title": "h1"}}]';

/** Rows for a JSON text area: its lines, within bounds. */
function rowsFor(text: string, least: number): number {
  return Math.min(18, Math.max(least, text.split('\n').length + 1));
}

export function RunForm({ initial, extra }: { initial: FormValues; extra: Record<string, unknown> }) {
  const [values, setValues] = useState(initial);
  const [server, setServer] = useState<FieldErrors>({});
  const [other, setOther] = useState<string[]>([]);
  const [tried, setTried] = useState(false);
  const [sending, setSending] = useState(false);
  const prompt = useRef<HTMLTextAreaElement>(null);
  const script = useRef<HTMLTextAreaElement>(null);
  const [target, setTarget] = useState<'prompt' | 'script'>('prompt');

  // The form's own checks show as soon as JSON is typed; a missing goal only after a first try.
  const local = localErrors(values, tried);
  const error = (key: FieldKey) => local[key] ?? server[key];

  const set = <K extends FieldKey>(key: K, value: FormValues[K]) => {
    setValues((old) => ({ ...old, [key]: value }));
    if (server[key]) setServer((old) => ({ ...old, [key]: undefined }));
  };

  const focusFirst = (errors: FieldErrors) => {
    const first = FIELD_ORDER.find((key) => errors[key]);
    if (first) setTimeout(() => document.getElementById(CONTROL_ID[first])?.focus());
  };

  const insert = (placeholder: string) => {
    const into = target === 'script' && values.engine === 'code' ? 'script' : 'prompt';
    const element = (into === 'script' ? script : prompt).current;
    const text = values[into];
    const start = element?.selectionStart ?? text.length;
    const end = element?.selectionEnd ?? text.length;
    set(into, text.slice(0, start) + placeholder + text.slice(end));
    setTimeout(() => {
      element?.focus();
      element?.setSelectionRange(start + placeholder.length, start + placeholder.length);
    });
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setTried(true);
    setOther([]);
    const errors = localErrors(values, true);
    if (Object.keys(errors).length) {
      focusFirst(errors);
      return;
    }
    setSending(true);
    try {
      const run = await api<{ run_id: string }>('/run/tasks', 'POST', toRequest(values, extra));
      navigate(`/runs/${run.run_id}/live`);
    } catch (e) {
      const refused = e instanceof ApiError && e.status === 422 ? serverErrors(e.body) : null;
      if (refused && Object.keys(refused.fields).length) {
        setServer(refused.fields);
        setOther(refused.other);
        focusFirst(refused.fields);
      } else {
        setOther([(e as Error).message]);
      }
      setSending(false);
    }
  };

  const code = values.engine === 'code';
  const promptHint = code
    ? 'What the run is for. The code engine replays the script and does not read it.'
    : 'The goal in plain words; say what counts as done and what to bring back.';
  const urlHint = 'Where the run starts (http or https).';
  const scriptHint = (
    <>
      A JSON list of actions the code engine replays without a model: <code>goto</code>, <code>click</code>, <code>fill</code>, <code>wait</code>, <code>extract</code>… (README, “The code engine’s script”).
    </>
  );
  const schemaHint = 'A JSON Schema of the output; the run’s extracted data is checked against it. Empty: any shape.';
  const modelHint = 'Another model of the configured provider for this run only, such as gpt-4o; sent as {"model_name": …}. Empty: the appliance’s model.';
  const stepsHint = 'The most steps the agent may take (1 to 1000). Empty: the appliance’s setting.';
  const webhookHint = 'Receives the run (signed) when it ends or waits for a person.';
  const anyError = FIELD_ORDER.some((key) => error(key));

  return (
    <form class="run-form" noValidate onSubmit={submit} aria-describedby="run-form-note">
      <p id="run-form-note" class="muted">
        Fields marked optional may stay empty.
      </p>
      <section class="panel" aria-labelledby="what-heading">
        <h2 id="what-heading">What to do</h2>
        <Field id="run-title" label="Title" optional hint="How the run is listed; without one, its goal is." error={error('title')}>
          <input id="run-title" value={values.title} onInput={(e) => set('title', e.currentTarget.value)} {...described('run-title', true, error('title'))} />
        </Field>
        <fieldset class="field engine" aria-describedby="run-engine-hint">
          <legend>Engine</legend>
          <div class="row">
            <label class="choice" for="run-engine-agent">
              <input id="run-engine-agent" type="radio" name="engine" value="agent" checked={!code} onChange={() => set('engine', 'agent')} /> Agent
            </label>
            <label class="choice" for="run-engine-code">
              <input id="run-engine-code" type="radio" name="engine" value="code" checked={code} onChange={() => set('engine', 'code')} /> Code
            </label>
          </div>
          <p class="hint" id="run-engine-hint">
            The agent reads the page and decides with the configured model; code replays an action script, with no model.
          </p>
          {error('engine') && <p class="field-error">{error('engine')}</p>}
        </fieldset>
        <Field id="run-prompt" label={code ? 'Prompt' : 'Prompt (the goal)'} optional={code} hint={promptHint} error={error('prompt')}>
          <textarea
            id="run-prompt"
            ref={prompt}
            rows={4}
            class="prose"
            aria-required={!code}
            value={values.prompt}
            onFocus={() => setTarget('prompt')}
            onInput={(e) => set('prompt', e.currentTarget.value)}
            {...described('run-prompt', true, error('prompt'))}
          />
        </Field>
        <Field id="run-url" label="URL" optional hint={urlHint} error={error('url')}>
          <input id="run-url" type="url" inputMode="url" placeholder="https://example.org/" value={values.url} onInput={(e) => set('url', e.currentTarget.value)} {...described('run-url', true, error('url'))} />
        </Field>
        {code && (
          <Field id="run-script" label="Action script" hint={scriptHint} error={error('script')}>
            <textarea
              id="run-script"
              ref={script}
              rows={rowsFor(values.script, 6)}
              aria-required="true"
              spellcheck={false}
              placeholder={SCRIPT_EXAMPLE}
              value={values.script}
              onFocus={() => setTarget('script')}
              onInput={(e) => set('script', e.currentTarget.value)}
              {...described('run-script', true, error('script'))}
            />
          </Field>
        )}
      </section>

      <section class="panel" aria-labelledby="output-heading">
        <h2 id="output-heading">What to bring back</h2>
        <Field id="run-schema" label="Data extraction schema" optional hint={schemaHint} error={error('schema')}>
          <textarea
            id="run-schema"
            rows={rowsFor(values.schema, 4)}
            spellcheck={false}
            placeholder={SCHEMA_EXAMPLE}
            value={values.schema}
            onInput={(e) => set('schema', e.currentTarget.value)}
            {...described('run-schema', true, error('schema'))}
          />
        </Field>
        <ErrorCodes rows={values.errorCodes} error={error('errorCodes')} onChange={(rows) => set('errorCodes', rows)} />
      </section>

      <section class="panel" aria-labelledby="browser-heading">
        <h2 id="browser-heading">Browser, model and limits</h2>
        <SessionSelect value={values.sessionId} error={error('sessionId')} onChange={(value) => set('sessionId', value)} />
        <div class="grid-2">
          <Field id="run-model" label="Model" optional hint={modelHint} error={error('model')}>
            <input id="run-model" value={values.model} onInput={(e) => set('model', e.currentTarget.value)} {...described('run-model', true, error('model'))} />
          </Field>
          <Field id="run-max-steps" label="Max steps" optional hint={stepsHint} error={error('maxSteps')}>
            <input
              id="run-max-steps"
              type="number"
              min={1}
              max={1000}
              step={1}
              value={values.maxSteps}
              onInput={(e) => set('maxSteps', e.currentTarget.value)}
              {...described('run-max-steps', true, error('maxSteps'))}
            />
          </Field>
        </div>
      </section>

      <section class="panel" aria-labelledby="secrets-heading">
        <h2 id="secrets-heading">Credentials and files</h2>
        <CredentialPicker text={`${values.prompt}\n${code ? values.script : ''}`} target={target === 'script' && code ? 'script' : 'prompt'} onInsert={insert} />
        <FileUploads files={values.files} error={error('files')} onChange={(files) => set('files', files)} />
      </section>

      <section class="panel" aria-labelledby="notify-heading">
        <h2 id="notify-heading">When it ends</h2>
        <Field id="run-webhook" label="Webhook URL" optional hint={webhookHint} error={error('webhookUrl')}>
          <input
            id="run-webhook"
            type="url"
            inputMode="url"
            placeholder="https://hooks.example.org/skyvern"
            value={values.webhookUrl}
            onInput={(e) => set('webhookUrl', e.currentTarget.value)}
            {...described('run-webhook', true, error('webhookUrl'))}
          />
        </Field>
      </section>

      {other.length > 0 && <ErrorBox title="The run was not started">{other.join('\n')}</ErrorBox>}
      <div class="form-actions">
        <button type="submit" disabled={sending}>
          {sending ? 'Starting…' : 'Start run'}
        </button>
        {anyError && (
          <p class="field-error" role="status">
            Some fields need attention; each says why under it.
          </p>
        )}
      </div>
    </form>
  );
}
