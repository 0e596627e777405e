// A plan as the text a person edits: the create request (title, definition) without the ids and
// stamps the appliance adds, read back from JSON or YAML with its syntax problems on their lines.
import type { Block, PlanDefinition } from '../plan_run/model';
import { SyntaxProblem, jsonLines, type Problem } from './locate';
import { fromYaml, toYaml } from './yaml';

export type Format = 'json' | 'yaml';

export interface SavedPlan {
  workflow_permanent_id: string;
  workflow_id: string;
  version: number;
  title: string;
  modified_at: string;
  created_at: string;
  workflow_definition: PlanDefinition;
  [key: string]: unknown;
}

const PLAN_STAMPS = ['agent_id', 'workflow_id', 'workflow_permanent_id', 'organization_id', 'version', 'created_at', 'modified_at', 'deleted_at'];
const PARAMETER_STAMPS = ['workflow_id', 'workflow_parameter_id', 'output_parameter_id', 'created_at', 'modified_at', 'deleted_at'];

/** The object with the `first` keys (those it has) leading, the others after in their order. */
function ordered<T extends object>(value: T, first: string[]): T {
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of first) if (key in record) out[key] = record[key];
  for (const [key, v] of Object.entries(record)) if (!(key in out)) out[key] = v;
  return out as T;
}

function cleanBlock(block: Block): Block {
  const { output_parameter: _output, ...rest } = block as Block & { output_parameter?: unknown };
  void _output;
  if (Array.isArray(rest.loop_blocks)) rest.loop_blocks = rest.loop_blocks.map(cleanBlock);
  return ordered(rest, ['block_type', 'label', 'title', 'url', 'next_block_label', 'depends_on']);
}

/** The request that would save this plan again. */
export function editable(plan: SavedPlan): Record<string, unknown> {
  // The title and definition first, what a person edits most; then the rest as it was saved.
  const out: Record<string, unknown> = { title: plan.title };
  if (plan.description != null) out.description = plan.description;
  const definition: Record<string, unknown> = { parameters: [], blocks: [] };
  for (const [key, value] of Object.entries(plan.workflow_definition)) if (key !== 'parameters' && key !== 'blocks') definition[key] = value;
  out.workflow_definition = definition;
  for (const [key, value] of Object.entries(plan)) if (!PLAN_STAMPS.includes(key) && !(key in out)) out[key] = value;
  definition.parameters = (plan.workflow_definition.parameters ?? [])
    .filter((p) => p.parameter_type !== 'output')
    .map((p) =>
      ordered(Object.fromEntries(Object.entries(p).filter(([key]) => !PARAMETER_STAMPS.includes(key))), ['parameter_type', 'key', 'workflow_parameter_type', 'default_value', 'description']),
    );
  definition.blocks = (plan.workflow_definition.blocks ?? []).map(cleanBlock);
  return out;
}

export function render(value: unknown, format: Format): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : `${toYaml(value)}\n`;
}

export const NEW_PLAN = {
  title: 'New plan',
  workflow_definition: {
    parameters: [{ parameter_type: 'workflow', key: 'start_url', workflow_parameter_type: 'string', default_value: 'https://example.com' }],
    blocks: [{ block_type: 'goto_url', label: 'open', url: '{{ start_url }}' }],
  },
};

export interface Parsed {
  value?: Record<string, unknown>;
  /** Syntax problems worth marking on their line. */
  problems: Problem[];
  /** Why the preview cannot be drawn, when the text could not be read here. */
  unreadable?: string;
}

export function parse(text: string, format: Format): Parsed {
  if (format === 'json') {
    try {
      jsonLines(text);
      const value = JSON.parse(text) as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) return { problems: [{ line: 1, where: '', message: 'the plan must be a JSON object' }] };
      return { value: value as Record<string, unknown>, problems: [] };
    } catch (e) {
      const line = e instanceof SyntaxProblem ? e.line : 1;
      return { problems: [{ line, where: '', message: `JSON syntax: ${(e as Error).message}` }] };
    }
  }
  try {
    const value = fromYaml(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { problems: [], unreadable: 'the plan must be a mapping' };
    return { value: value as Record<string, unknown>, problems: [] };
  } catch (e) {
    // The appliance's YAML reader has the last word: this one only reads the common subset.
    return { problems: [], unreadable: (e as Error).message };
  }
}

/** The blocks to preview, if the value has a readable list of them. */
export function previewBlocks(value: Record<string, unknown> | undefined): { blocks: Block[]; finally?: string | null } | null {
  const definition = value?.workflow_definition as PlanDefinition | undefined;
  const blocks = definition?.blocks;
  if (!Array.isArray(blocks)) return null;
  const valid = (list: unknown[]): list is Block[] =>
    list.every((b) => b && typeof b === 'object' && typeof (b as Block).label === 'string' && (!(b as Block).loop_blocks || (Array.isArray((b as Block).loop_blocks) && valid((b as Block).loop_blocks as unknown[]))));
  if (!valid(blocks)) return null;
  const labels = new Set<string>();
  const unique = (list: Block[]): boolean => list.every((b) => !labels.has(b.label) && labels.add(b.label) && unique(b.loop_blocks ?? []));
  if (!unique(blocks)) return null;
  return { blocks, finally: definition?.finally_block_label };
}
