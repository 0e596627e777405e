// The blocks of the plan version a plan run ran, by label (loop blocks included): their
// configuration (URL, goal, schema…), which the run's timeline names but does not repeat.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { Run } from './types';

export type BlockConfig = Record<string, unknown>;

interface PlanVersion {
  workflow_id?: string;
  workflow_definition?: { blocks?: BlockConfig[] };
}

function collect(blocks: BlockConfig[] | undefined, into: Record<string, BlockConfig>): Record<string, BlockConfig> {
  for (const block of blocks ?? []) {
    if (typeof block.label === 'string') into[block.label] = block;
    if (Array.isArray(block.loop_blocks)) collect(block.loop_blocks as BlockConfig[], into);
  }
  return into;
}

/** The plan's blocks by label, once loaded (an empty map for a task run or when unavailable). */
export function usePlanBlocks(run: Run): Record<string, BlockConfig> | undefined {
  const [blocks, setBlocks] = useState<Record<string, BlockConfig>>();
  // A plan run names its plan as `workflow_id` (`wpid_…`) and the version it ran as `workflow_version_id`.
  const planId = run.workflow_permanent_id ?? (typeof run.workflow_id === 'string' && run.workflow_id.startsWith('wpid_') ? run.workflow_id : null);
  const versionId = typeof run.workflow_version_id === 'string' ? run.workflow_version_id : null;
  useEffect(() => {
    if (!planId) {
      setBlocks({});
      return;
    }
    let current = true;
    api<PlanVersion[]>(`/agents/${encodeURIComponent(planId)}/versions`)
      .then((versions) => {
        const version = versions.find((v) => v.workflow_id === versionId) ?? versions[0];
        if (current) setBlocks(collect(version?.workflow_definition?.blocks, {}));
      })
      .catch(() => current && setBlocks({}));
    return () => {
      current = false;
    };
  }, [planId, versionId]);
  return blocks;
}
