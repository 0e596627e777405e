// A run as `GET /v1/runs` lists it; the fields after `created_at` may be absent.
export interface SearchMatch {
  field: string;
  snippet: string;
}

export interface RunUsage {
  tokens?: number | null;
  cost?: number | null;
  input_tokens?: number | null;
  cached_tokens?: number | null;
  output_tokens?: number | null;
  cost_usd?: number | null;
}

export interface RunItem {
  run_id: string;
  task_run_type: string;
  status: string;
  created_at: string;
  title?: string | null;
  prompt?: string | null;
  url?: string | null;
  engine?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  workflow_permanent_id?: string | null;
  workflow_title?: string | null;
  step_count?: number | null;
  action_count?: number | null;
  usage?: RunUsage | null;
  matches?: SearchMatch[];
}

/** Tokens used: `usage.tokens`, else input plus output. */
export function tokensOf(usage: RunUsage | null | undefined): number | null {
  if (!usage) return null;
  if (typeof usage.tokens === 'number') return usage.tokens;
  if (typeof usage.input_tokens === 'number' || typeof usage.output_tokens === 'number') {
    return (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0);
  }
  return null;
}

export function costOf(usage: RunUsage | null | undefined): number | null {
  if (!usage) return null;
  if (typeof usage.cost === 'number') return usage.cost;
  return typeof usage.cost_usd === 'number' ? usage.cost_usd : null;
}
