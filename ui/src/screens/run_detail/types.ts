// The shapes of a run, its timeline and its webhooks as the API answers them (the fields the
// run screens read), and small helpers over them.

export interface RunError {
  type?: string | null;
  code?: string | null;
  message?: string | null;
}

export interface DownloadedFile {
  url: string;
  filename?: string | null;
  checksum?: string | null;
  size?: number | null;
}

export interface Run {
  run_id: string;
  run_type: string;
  status: string;
  title?: string | null;
  output?: unknown;
  failure_reason?: string | null;
  errors?: RunError[] | null;
  screenshot_urls?: string[] | null;
  recording_url?: string | null;
  downloaded_files?: DownloadedFile[] | null;
  created_at?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  step_count?: number | null;
  action_count?: number | null;
  run_request?: Record<string, unknown> | null;
  workflow_permanent_id?: string | null;
  workflow_id?: string | null;
  rerun_of?: string | null;
  /** When retention removed the run's files (screenshots, recording, downloads). */
  artifacts_removed_at?: string | null;
  parameters?: Record<string, unknown> | null;
  webhook_url?: string | null;
  [key: string]: unknown;
}

export interface TimelineItem {
  id: number;
  kind: 'thought' | 'block' | 'action' | 'control' | string;
  action_number?: number | null;
  label: string;
  status: string;
  detail?: Record<string, unknown> | null;
  screenshot_artifact_id?: string | null;
  started_at: string;
  finished_at?: string | null;
  children?: TimelineItem[] | null;
}

export interface WebhookAttempt {
  attempted_at: string;
  url: string;
  status_code?: number | null;
  latency_ms?: number | null;
  error?: string | null;
  outcome: string;
}

export interface WebhookDelivery {
  delivery_id: string;
  event_type: string;
  url: string;
  state: string;
  attempt_count: number;
  created_at: string;
  attempts: WebhookAttempt[];
}

/** Plan runs are `wr_…`; task runs are `tsk_…`. */
export function isPlanRun(runId: string): boolean {
  return runId.startsWith('wr_');
}

/** The address of an artifact's bytes. */
export function artifactUrl(artifactId: string): string {
  return `/v1/artifacts/${encodeURIComponent(artifactId)}/content`;
}

/** The timeline as one list, children after their parent, with their depth. */
export function flatten(items: TimelineItem[], depth = 0): { item: TimelineItem; depth: number }[] {
  return items.flatMap((item) => [{ item, depth }, ...flatten(item.children ?? [], depth + 1)]);
}

/** The run's request as it was stored (the fields a person sent). */
export function requestOf(run: Run): Record<string, unknown> {
  return (run.run_request && typeof run.run_request === 'object' ? run.run_request : {}) as Record<string, unknown>;
}

/** A text field of the stored request, or ''. */
export function requestText(run: Run, field: string): string {
  const value = requestOf(run)[field];
  return typeof value === 'string' ? value : '';
}

/** A value of a timeline item's detail as text: itself when it is a string, else empty. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** What a person calls the run: its title, else its goal, else its id. */
export function runName(run: Run): string {
  return run.title || requestText(run, 'title') || requestText(run, 'prompt') || requestText(run, 'navigation_goal') || run.run_id;
}

const SECRET_NAME = /(auth|token|secret|password|passwd|key|cookie|session|credential|signature)/i;

/** Masks a header or parameter value whose name or look says it is secret. */
export function maskIfSecret(name: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const looksSecret = SECRET_NAME.test(name) || /^(sk|skv|whsec|ghp|xox[bp])[-_]/i.test(value) || /^bearer\s/i.test(value);
  if (!looksSecret || value.length === 0) return value;
  return `${value.slice(0, Math.min(4, Math.floor(value.length / 4)))}••••••`;
}

/** The last element of a list, if any. */
export function last<T>(list: T[]): T | undefined {
  return list.length ? list[list.length - 1] : undefined;
}
