// The shapes of a plan run's step tree, traces and plan definition, and what the views derive
// from them: the block graph, each block's step, iterations, usage sums, the calls of a step.

export interface Usage {
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface Attempt {
  step_run_id: string;
  attempt: number;
  status: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  output: unknown;
  failure_reason: string | null;
  usage: Usage;
}

export interface Iteration {
  index: number;
  value: unknown;
  steps: StepNode[];
}

export interface StepNode {
  step_id: string;
  label: string;
  kind: string;
  status: string | null;
  visit: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  output: unknown;
  failure_reason: string | null;
  usage: Usage;
  attempts: Attempt[];
  steps?: StepNode[];
  iterations?: Iteration[];
}

export interface StepTree {
  run_id: string;
  status: string;
  usage: Usage;
  steps: StepNode[];
}

export interface TracePart {
  type: string;
  text?: string;
  artifact_id?: string | null;
}

export interface Trace {
  id: number;
  run_id: string;
  step_run_id: string | null;
  provider: string;
  model: string;
  request: { system?: string; messages?: { role: string; parts?: TracePart[]; content?: unknown }[] } & Record<string, unknown>;
  response_text: string | null;
  response: unknown;
  parsed: { reasoning?: string; actions?: Record<string, unknown>[] } | null;
  error: string | null;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  cost_usd: number;
  latency_ms: number;
  created_at: string;
}

export interface Branch {
  criteria?: { expression?: string; criteria_type?: string } | null;
  is_default?: boolean;
  next_block_label?: string | null;
  description?: string | null;
}

export interface Block {
  block_type: string;
  label: string;
  next_block_label?: string | null;
  depends_on?: string[];
  loop_blocks?: Block[];
  branch_conditions?: Branch[];
  loop_over_parameter_key?: string;
  loop_variable_reference?: string;
  url?: string;
  title?: string;
  [key: string]: unknown;
}

export interface Parameter {
  parameter_type: string;
  key: string;
  workflow_parameter_type?: string;
  default_value?: unknown;
  description?: string | null;
}

export interface PlanDefinition {
  parameters?: Parameter[];
  blocks?: Block[];
  finally_block_label?: string | null;
}

export const NO_USAGE: Usage = { input_tokens: 0, cached_tokens: 0, output_tokens: 0, cost_usd: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_tokens: a.cached_tokens + b.cached_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cost_usd: a.cost_usd + b.cost_usd,
  };
}

export interface Edge {
  from: string;
  to: string;
  /** A `next_block_label` pointing back (a polling loop). */
  back: boolean;
  label?: string;
}

export interface Graph {
  /** Labels in the order they are drawn: by rank, then by their place in the list. */
  order: string[];
  rank: Map<string, number>;
  edges: Edge[];
}

/** The blocks of one list as a graph: `depends_on`, else `next_block_label` and branches, else list order. */
export function blockGraph(blocks: Block[], finallyLabel?: string | null): Graph {
  const labels = blocks.map((b) => b.label);
  const known = new Set(labels);
  const raw: Omit<Edge, 'back'>[] = [];
  const byDependency = blocks.some((b) => (b.depends_on ?? []).length > 0);
  const chained = blocks.some((b) => b.next_block_label || b.block_type === 'conditional');
  blocks.forEach((block, i) => {
    if (byDependency) {
      for (const dependency of block.depends_on ?? []) raw.push({ from: dependency, to: block.label });
      return;
    }
    if (block.block_type === 'conditional') {
      for (const branch of block.branch_conditions ?? []) {
        if (!branch.next_block_label) continue;
        const condition = branch.is_default ? 'otherwise' : branch.criteria?.expression ?? branch.description ?? 'if';
        raw.push({ from: block.label, to: branch.next_block_label, label: condition });
      }
      return;
    }
    if (block.next_block_label) raw.push({ from: block.label, to: block.next_block_label });
    else if (!chained && i + 1 < blocks.length && blocks[i + 1].label !== finallyLabel) raw.push({ from: block.label, to: blocks[i + 1].label });
  });
  const edges = raw.filter((e) => known.has(e.from) && known.has(e.to));
  // Back edges: those reaching a block on the current depth-first path.
  const out = new Map<string, Omit<Edge, 'back'>[]>();
  edges.forEach((e) => out.set(e.from, [...(out.get(e.from) ?? []), e]));
  const back = new Set<Omit<Edge, 'back'>>();
  const state = new Map<string, 'open' | 'done'>();
  const visit = (label: string) => {
    state.set(label, 'open');
    for (const e of out.get(label) ?? []) {
      const s = state.get(e.to);
      if (s === 'open') back.add(e);
      else if (!s) visit(e.to);
    }
    state.set(label, 'done');
  };
  labels.forEach((label) => state.get(label) || visit(label));
  const forward = edges.filter((e) => !back.has(e));
  // Rank: the longest forward path from a block nothing leads to.
  const rank = new Map<string, number>();
  const incoming = new Map<string, string[]>();
  forward.forEach((e) => incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.from]));
  const rankOf = (label: string, seen: Set<string>): number => {
    const known = rank.get(label);
    if (known !== undefined) return known;
    if (seen.has(label)) return 0;
    seen.add(label);
    const r = Math.max(-1, ...(incoming.get(label) ?? []).map((from) => rankOf(from, seen))) + 1;
    rank.set(label, r);
    return r;
  };
  labels.forEach((label) => rankOf(label, new Set()));
  if (finallyLabel && known.has(finallyLabel) && !(incoming.get(finallyLabel) ?? []).length) {
    rank.set(finallyLabel, Math.max(0, ...[...rank.entries()].filter(([l]) => l !== finallyLabel).map(([, r]) => r)) + 1);
  }
  const order = [...labels].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0) || labels.indexOf(a) - labels.indexOf(b));
  return { order, rank, edges: edges.map((e) => ({ ...e, back: back.has(e) })) };
}

/** The latest visit of each label among `steps`, and how many visits there were. */
export function stepsByLabel(steps: StepNode[]): Map<string, StepNode[]> {
  const map = new Map<string, StepNode[]>();
  for (const step of steps) map.set(step.label, [...(map.get(step.label) ?? []), step]);
  return map;
}

export function lastOf<T>(list: T[] | undefined): T | undefined {
  return list && list.length ? list[list.length - 1] : undefined;
}

/** Every step run id of a step and of the steps under it (its agent steps, a loop's items). */
export function stepRunIds(step: StepNode): string[] {
  const ids = step.attempts.map((a) => a.step_run_id);
  for (const child of step.steps ?? []) ids.push(...stepRunIds(child));
  for (const iteration of step.iterations ?? []) for (const child of iteration.steps) ids.push(...stepRunIds(child));
  return ids;
}

/** The step run ids of one attempt of a block: the attempt and the agent steps that ran during it. */
export function attemptRunIds(step: StepNode, attempt: Attempt): Set<string> {
  const ids = new Set<string>([attempt.step_run_id]);
  const from = Date.parse(attempt.started_at);
  const to = attempt.finished_at ? Date.parse(attempt.finished_at) : Infinity;
  const single = step.attempts.length <= 1;
  for (const child of step.steps ?? []) {
    const start = child.started_at ? Date.parse(child.started_at) : NaN;
    if (single || (start >= from && start <= to)) stepRunIds(child).forEach((id) => ids.add(id));
  }
  for (const iteration of step.iterations ?? []) for (const child of iteration.steps) stepRunIds(child).forEach((id) => ids.add(id));
  return ids;
}

/** What an iteration adds up to: its status, time span and usage. */
export function iterationSummary(iteration: Iteration): { status: string; duration: number | null; usage: Usage } {
  const statuses = iteration.steps.map((s) => s.status ?? 'queued');
  const status =
    ['failed', 'terminated', 'timed_out', 'canceled', 'running', 'queued'].find((s) => statuses.includes(s)) ??
    (statuses.every((s) => s === 'skipped') ? 'skipped' : 'completed');
  const starts = iteration.steps.map((s) => s.started_at).filter(Boolean).map((s) => Date.parse(s as string));
  const ends = iteration.steps.map((s) => s.finished_at).filter(Boolean).map((s) => Date.parse(s as string));
  const done = ends.length === iteration.steps.length && starts.length > 0;
  return {
    status,
    duration: done ? Math.max(...ends) - Math.min(...starts) : null,
    usage: iteration.steps.reduce((sum, s) => addUsage(sum, s.usage), NO_USAGE),
  };
}

/** A value without its empty parts (nulls, empty lists, bookkeeping ids), for previews. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value && typeof value === 'object') {
    const kept = Object.entries(value as Record<string, unknown>).filter(
      ([key, v]) => v != null && !(Array.isArray(v) && v.length === 0) && !['task_id', 'output_parameter', 'evaluations'].includes(key),
    );
    return Object.fromEntries(kept.map(([k, v]) => [k, compact(v)]));
  }
  return value;
}

/** A short one-line text of a step's output. */
export function preview(value: unknown, max = 120): string {
  if (value == null) return '';
  let text: string;
  const record = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  if (typeof value === 'string') text = value;
  else if (record && record.extracted_information != null) text = JSON.stringify(record.extracted_information);
  else if (record && typeof record.branch_taken === 'string') text = `took the branch to ${record.branch_taken}`;
  else if (record && 'status' in record && Object.keys(compact(record) as object).length <= 1) text = String(record.status);
  else text = JSON.stringify(compact(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function usageTotal(u: Usage): number {
  return u.input_tokens + u.output_tokens;
}
