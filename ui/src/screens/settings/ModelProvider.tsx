// The model the agent uses, as configured, and a "Test connection" that asks it for a short
// answer and says how it went.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useAction } from '../../components/useAction';
import { ErrorBox, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { formatDuration } from '../../format';
import type { ModelSettings, ModelTest } from './model';

export function ModelProvider() {
  const model = useLoad(() => api<ModelSettings>('/model'), []);
  const [result, setResult] = useState<ModelTest | null>(null);
  const { busy: testing, error, run: test } = useAction(async () => {
    setResult(null);
    setResult(await api<ModelTest>('/model/test', 'POST'));
  });

  return (
    <section class="panel" aria-labelledby="model-heading">
      <h2 id="model-heading">Model for the agent</h2>
      {model.error && <ErrorBox title="The model settings could not be loaded">{model.error}</ErrorBox>}
      {model.loading && !model.data && <Loading />}
      {model.data && (
        <dl class="facts">
          <div>
            <dt>Provider</dt>
            <dd>{model.data.provider ?? <span class="muted">none configured</span>}</dd>
          </div>
          <div>
            <dt>Model</dt>
            <dd>
              <code>{model.data.model}</code>
            </dd>
          </div>
          <div>
            <dt>Address</dt>
            <dd>{model.data.base_url ? <code>{model.data.base_url}</code> : <span class="muted">the provider's own</span>}</dd>
          </div>
          <div>
            <dt>Screenshots</dt>
            <dd>{model.data.vision ? 'sent (vision)' : 'not sent (text only)'}</dd>
          </div>
          <div>
            <dt>API key</dt>
            <dd>{model.data.api_key_set ? 'set' : 'not set'}</dd>
          </div>
        </dl>
      )}
      <p class="hint">
        Set in the configuration file's <code>[llm]</code> section or <code>SKYVERN__LLM__…</code> variables.
      </p>
      <button type="button" onClick={test} disabled={testing}>
        {testing ? 'Testing…' : 'Test connection'}
      </button>
      <div role="status" class="test-result">
        {result?.ok === true && (
          <p class="ok-text">
            <strong>Connected.</strong> {result.model} answered in {formatDuration(result.latency_ms)}
            {result.reply ? <>: “{result.reply.slice(0, 200)}”</> : '.'}
          </p>
        )}
        {result?.ok === false && (
          <p class="fail-text">
            <strong>The model could not be reached.</strong> {result.error}
          </p>
        )}
        {error && (
          <p class="fail-text">
            <strong>The test did not run.</strong> {error}
          </p>
        )}
      </div>
    </section>
  );
}
