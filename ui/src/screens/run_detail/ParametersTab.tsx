// Parameters: the request that produced the run (its fields; a plan run's parameters; webhook
// URL, proxy and headers, secret-looking values masked), and the selected block's configuration.
import { Empty, Loading } from '../../components/Notice';
import { JsonView } from '../../components/JsonView';
import { usePlanBlocks } from './planBlocks';
import { maskIfSecret, requestOf, type Run, type TimelineItem } from './types';

const SHOWN_ELSEWHERE = new Set(['parameters', 'extra_http_headers', 'webhook_url', 'webhook_callback_url', 'proxy_location', 'script', 'data_extraction_schema']);

function maskAll(value: unknown, name = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskAll(v, name));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v, k)]));
  return maskIfSecret(name, value);
}

function Value({ name, value }: { name: string; value: unknown }) {
  if (value === null || value === undefined || value === '') return <span class="muted">—</span>;
  if (typeof value === 'object') return <JsonView value={maskAll(value, name)} label={name} />;
  return <span class="value-text">{String(maskIfSecret(name, value))}</span>;
}

function Pairs({ title, entries, empty }: { title: string; entries: [string, unknown][]; empty: string }) {
  return (
    <section>
      <h2>{title}</h2>
      {entries.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        <dl class="pairs">
          {entries.map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>
                <Value name={name} value={value} />
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

export function ParametersTab({ run, selected }: { run: Run; selected: TimelineItem | null }) {
  const blocks = usePlanBlocks(run);
  const request = requestOf(run);
  const parameters = (run.parameters ?? request.parameters ?? {}) as Record<string, unknown>;
  const headers = (request.extra_http_headers ?? {}) as Record<string, unknown>;
  const fields = Object.entries(request).filter(([name, value]) => !SHOWN_ELSEWHERE.has(name) && value !== null && value !== undefined);
  const webhook = (request.webhook_url ?? request.webhook_callback_url ?? run.webhook_url ?? null) as string | null;
  return (
    <div class="parameters">
      {selected?.kind === 'block' && (
        <section class="panel">
          <h2>Block “{selected.label}”</h2>
          {blocks === undefined ? (
            <Loading />
          ) : (
            <JsonView value={maskAll(blocks[selected.label] ?? selected.detail ?? {})} label={`Configuration of block ${selected.label}`} />
          )}
        </section>
      )}
      <Pairs title="Request" entries={fields} empty="The stored request has no fields." />
      {(run.run_id.startsWith('wr_') || Object.keys(parameters).length > 0) && (
        <Pairs title="Input parameters" entries={Object.entries(parameters)} empty="The run has no parameters." />
      )}
      <Pairs
        title="Delivery and network"
        entries={[
          ['Webhook URL', webhook],
          ['Proxy location', request.proxy_location ?? null],
        ]}
        empty=""
      />
      <Pairs title="HTTP headers" entries={Object.entries(headers)} empty="No extra HTTP headers." />
      {request.data_extraction_schema != null && (
        <section>
          <h2>Data schema</h2>
          <JsonView value={request.data_extraction_schema} label="Data schema" />
        </section>
      )}
      {Array.isArray(request.script) && (
        <section>
          <h2>Script</h2>
          <JsonView value={maskAll(request.script)} label="Script" />
        </section>
      )}
    </div>
  );
}
