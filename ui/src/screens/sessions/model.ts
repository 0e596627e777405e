// The browser session and browser profile shapes the API answers, and how their times read.

/** Skyvern's `FileInfo`: a recording or a download. */
export interface FileInfo {
  url: string;
  checksum: string | null;
  filename: string | null;
  file_size: number | null;
  modified_at: string | null;
}

export interface BrowserSession {
  browser_session_id: string;
  status: string;
  runnable_type: 'task' | 'workflow_run' | null;
  runnable_id: string | null;
  timeout: number;
  url: string | null;
  expires_at: string | null;
  ended_reason: string | null;
  started_at: string | null;
  completed_at: string | null;
  created_at: string;
  browser_profile_id: string | null;
  generate_browser_profile: boolean;
  downloaded_files: FileInfo[] | null;
  recordings: FileInfo[];
  warning?: string;
}

export interface BrowserProfile {
  browser_profile_id: string;
  name: string;
  description: string | null;
  source_id: string | null;
  created_at: string;
}

/** The path of an API URL the appliance gave (its host may be a public address). */
export function pathOf(url: string): string {
  try {
    return new URL(url, location.href).pathname;
  } catch {
    return url;
  }
}

/** `42 min left`, `1 h 5 min left`, `ends now`. */
export function timeLeft(expiresAt: string | null, now = Date.now()): string {
  if (!expiresAt) return '—';
  const ms = Date.parse(expiresAt) - now;
  if (!Number.isFinite(ms)) return '—';
  if (ms <= 0) return 'ends now';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.ceil(ms / 1000)} s left`;
  if (minutes < 60) return `${minutes} min left`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

/** `1.2 MB`, `512 B`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A run's page in the UI (task runs and plan runs alike). */
export function runHref(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}
