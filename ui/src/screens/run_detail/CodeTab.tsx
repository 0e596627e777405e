// Code: the run as a Python Playwright script, and the action script that replays it, each with
// a copy button; an empty state when the run left none.
import { api, ApiError } from '../../api';
import { CopyButton } from '../../components/CopyButton';
import { Empty, ErrorBox, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { artifactUrl, last, type Run } from './types';

interface Artifact {
  artifact_id: string;
  artifact_type: string;
}

async function loadCode(runId: string): Promise<{ python: string; replay: string } | null> {
  const id = encodeURIComponent(runId);
  let python: string;
  try {
    python = String(await api<string>(`/runs/${id}/code`));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
  const scripts = await api<Artifact[]>(`/runs/${id}/artifacts?artifact_type=script_file`);
  const script = last(scripts);
  let replay = '';
  if (script) {
    const response = await fetch(artifactUrl(script.artifact_id), { credentials: 'same-origin' });
    const text = await response.text();
    try {
      replay = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      replay = text;
    }
  }
  return { python, replay };
}

function Script({ title, text, label }: { title: string; text: string; label: string }) {
  return (
    <section>
      <div class="row spread">
        <h2>{title}</h2>
        <CopyButton text={text} label={`Copy the ${label}`} />
      </div>
      <pre class="code" tabIndex={0} aria-label={title}>
        {text}
      </pre>
    </section>
  );
}

export function CodeTab({ run }: { run: Run }) {
  const code = useLoad(() => loadCode(run.run_id), [run.run_id, run.status]);
  if (code.loading && code.data === undefined) return <Loading />;
  if (code.error) return <ErrorBox>{code.error}</ErrorBox>;
  if (!code.data) return <Empty>This run left no script: agent runs leave one when they complete, code runs when they end.</Empty>;
  return (
    <div class="code-tab">
      <Script title="Python (Playwright)" text={code.data.python} label="Python script" />
      {code.data.replay && <Script title="Replay script" text={code.data.replay} label="replay script" />}
      <p class="hint muted">Send the replay script as a run's <code>script</code> with the same URL: the code engine reproduces the run with no model.</p>
    </div>
  );
}
