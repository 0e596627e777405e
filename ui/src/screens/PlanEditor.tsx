// A plan's editor: its definition as JSON or YAML text with problems on their lines, a live
// graph of its blocks, saving (a new plan, or a new version), its versions, running it with
// parameters, and its schedules.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { ErrorBox, Loading } from '../components/Notice';
import { useLoad } from '../components/useLoad';
import { navigate } from '../router';
import { PlanGraph } from './plan_run/PlanGraph';
import '../screens/plan_run/plan_run.css';
import { CodeEditor } from './plans/CodeEditor';
import type { Problem } from './plans/locate';
import { problemsFromApi } from './plans/locate';
import { NEW_PLAN, type Format, type SavedPlan, editable, parse, previewBlocks, render } from './plans/planText';
import { RunPlanDialog } from './plans/RunPlanDialog';
import { Schedules } from './plans/Schedules';
import { Versions } from './plans/Versions';
import './plans/plans.css';

export function PlanEditor({ planId }: { planId?: string }) {
  const plan = useLoad(() => (planId ? api<SavedPlan>(`/agents/${encodeURIComponent(planId)}`) : Promise.resolve(null)), [planId]);
  const [format, setFormat] = useState<Format>('json');
  const [text, setText] = useState(() => (planId ? '' : render(NEW_PLAN, 'json')));
  const [serverProblems, setServerProblems] = useState<Problem[]>([]);
  const [failure, setFailure] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [running, setRunning] = useState(false);
  const [versionsTick, setVersionsTick] = useState(0);

  // The text starts as the saved plan (or a template for a new one).
  const loadedId = plan.data?.workflow_id;
  useEffect(() => {
    if (plan.data) setText(render(editable(plan.data), format));
    else if (!planId) setText(render(NEW_PLAN, format));
    setServerProblems([]);
  }, [loadedId, planId]);

  const parsed = useMemo(() => parse(text, format), [text, format]);
  const preview = previewBlocks(parsed.value);
  const problems = [...parsed.problems, ...serverProblems];

  const switchFormat = (next: Format) => {
    if (next === format) return;
    if (!parsed.value) {
      setFailure(`The text must be read before it can be turned into ${next.toUpperCase()}: ${parsed.problems[0]?.message ?? parsed.unreadable ?? ''}`);
      return;
    }
    setFailure(undefined);
    setText(render(parsed.value, next));
    setFormat(next);
    setServerProblems([]);
  };

  const save = async () => {
    setFailure(undefined);
    setNotice(undefined);
    setServerProblems([]);
    if (format === 'json' && !parsed.value) {
      setFailure('Fix the JSON syntax first (see the problems under the editor).');
      return;
    }
    const body = format === 'json' ? { json_definition: parsed.value } : { yaml_definition: text };
    setSaving(true);
    try {
      const saved = await api<SavedPlan>(planId ? `/agents/${encodeURIComponent(planId)}` : '/agents', 'POST', body);
      setNotice(planId ? `Saved as version ${saved.version}.` : `Created ${saved.workflow_permanent_id} (version ${saved.version}).`);
      setVersionsTick((n) => n + 1);
      if (!planId) navigate(`/plans/${saved.workflow_permanent_id}`, true);
      else plan.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setServerProblems(problemsFromApi(e.body, text, format, e.message));
        setFailure('The plan was not saved: see the problems under the editor.');
      } else setFailure((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  if (planId && plan.loading && !plan.data) return <Loading />;
  if (planId && plan.error && !plan.data) return <ErrorBox title="The plan could not be loaded">{plan.error}</ErrorBox>;
  const saved = plan.data;
  const title = typeof parsed.value?.title === 'string' ? parsed.value.title : saved?.title;

  return (
    <section class="plan-editor">
      <div class="page-head">
        <div>
          <h1>{planId ? `Plan: ${saved?.title || planId}` : 'New plan'}</h1>
          {saved && (
            <p class="muted plan-id">
              <code>{saved.workflow_permanent_id}</code> · version {saved.version}
            </p>
          )}
        </div>
        <div class="row">
          <button type="button" onClick={save} disabled={saving}>
            {saving ? 'Saving…' : planId ? 'Save new version' : 'Create plan'}
          </button>
          {saved && (
            <button type="button" class="secondary" onClick={() => setRunning(true)}>
              Run…
            </button>
          )}
        </div>
      </div>
      {notice && (
        <p class="banner ok-banner" role="status">
          {notice}
        </p>
      )}
      {failure && <ErrorBox>{failure}</ErrorBox>}
      <div class="editor-layout">
        <div class="editor-pane">
          <div class="format-switch" role="group" aria-label="Format">
            {(['json', 'yaml'] as Format[]).map((f) => (
              <button key={f} type="button" class={f === format ? 'small' : 'secondary small'} aria-pressed={f === format} onClick={() => switchFormat(f)}>
                {f.toUpperCase()}
              </button>
            ))}
          </div>
          <CodeEditor
            id="plan-text"
            label={`Plan definition (${format.toUpperCase()})`}
            value={text}
            onInput={(t) => {
              setText(t);
              setServerProblems([]);
            }}
            problems={problems}
          />
        </div>
        <div class="preview-pane">
          <h2>Preview{title ? `: ${title}` : ''}</h2>
          {preview ? (
            preview.blocks.length ? (
              <PlanGraph blocks={preview.blocks} finallyLabel={preview.finally} label="Blocks of the plan (preview)" />
            ) : (
              <p class="empty">No blocks yet.</p>
            )
          ) : (
            <p class="empty">{parsed.unreadable ? `The preview waits for text it can read: ${parsed.unreadable}` : 'The preview shows once the text holds workflow_definition.blocks, each with a unique label.'}</p>
          )}
        </div>
      </div>
      {saved && planId && (
        <>
          <Versions
            planId={planId}
            tick={versionsTick}
            current={saved.version}
            onLoad={(version) => {
              setText(render(editable(version), format));
              setServerProblems([]);
              setNotice(`Version ${version.version} is in the editor; saving it makes it the newest version.`);
            }}
          />
          <Schedules planId={planId} parameters={saved.workflow_definition.parameters} />
        </>
      )}
      <RunPlanDialog plan={running && saved ? saved : null} onClose={() => setRunning(false)} />
    </section>
  );
}
