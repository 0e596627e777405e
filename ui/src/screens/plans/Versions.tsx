// A plan's saved versions, newest first: each can be viewed (its definition and block graph)
// and loaded into the editor to be saved again as the newest.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { Dialog } from '../../components/Dialog';
import { JsonView } from '../../components/JsonView';
import { ErrorBox, Loading } from '../../components/Notice';
import { useLoad } from '../../components/useLoad';
import { formatTime } from '../../format';
import { PlanGraph } from '../plan_run/PlanGraph';
import { type SavedPlan, editable } from './planText';

export function Versions({ planId, tick, current, onLoad }: { planId: string; tick: number; current: number; onLoad: (version: SavedPlan) => void }) {
  const versions = useLoad(() => api<SavedPlan[]>(`/agents/${encodeURIComponent(planId)}/versions`), [planId, tick, current]);
  const [viewing, setViewing] = useState<SavedPlan | null>(null);
  const list = [...(versions.data ?? [])].sort((a, b) => b.version - a.version);
  return (
    <section class="panel versions" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      {versions.error && <ErrorBox title="The versions could not be loaded">{versions.error}</ErrorBox>}
      {versions.loading && !versions.data && <Loading />}
      {list.length > 0 && (
        <ol class="version-list" aria-label="Versions of this plan">
          {list.map((v) => (
            <li key={v.workflow_id}>
              <span class="version-name">
                Version {v.version}
                {v.version === current && <span class="badge badge-completed">current</span>}
              </span>
              <span class="muted">
                {v.title} · saved {formatTime(v.modified_at ?? v.created_at)} · {(v.workflow_definition.blocks ?? []).length} blocks
              </span>
              <button type="button" class="secondary small" onClick={() => setViewing(v)} aria-label={`View version ${v.version}`}>
                View
              </button>
            </li>
          ))}
        </ol>
      )}
      <Dialog title={viewing ? `Version ${viewing.version} of ${viewing.title}` : 'Version'} open={!!viewing} onClose={() => setViewing(null)} wide>
        {viewing && (
          <div class="dialog-body">
            <PlanGraph blocks={viewing.workflow_definition.blocks ?? []} finallyLabel={viewing.workflow_definition.finally_block_label} label={`Blocks of version ${viewing.version}`} />
            <JsonView value={editable(viewing)} label={`Definition of version ${viewing.version}`} />
            <div class="dialog-actions flush">
              <button type="button" class="secondary" onClick={() => setViewing(null)}>
                Close
              </button>
              {viewing.version !== current && (
                <button
                  type="button"
                  onClick={() => {
                    onLoad(viewing);
                    setViewing(null);
                  }}
                >
                  Load into the editor
                </button>
              )}
            </div>
          </div>
        )}
      </Dialog>
    </section>
  );
}
