// The shapes of the settings endpoints: API keys, the webhook signing secret, the model provider
// and the appliance's status.

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The key itself: in this answer only. */
  api_key: string;
}

export interface UiSession {
  /** The name of the key the login used (`configured key` for the configuration's). */
  key_name: string | null;
  key_id?: string | null;
  csrf_token: string | null;
  expires_at: string | null;
}

export interface WebhookSecret {
  secret: string | null;
  configured: boolean;
  older: { secret: string; signs_until: string }[];
}

export interface ModelSettings {
  provider: string | null;
  base_url: string | null;
  model: string;
  vision: boolean;
  api_key_set: boolean;
}

export type ModelTest =
  | { ok: true; provider: string; model: string; latency_ms: number; reply: string }
  | { ok: false; provider: string | null; model: string; error: string };

/** A remote CDP endpoint of the pool (`browser.remote`) and its health. */
export interface RemoteEndpoint {
  /** Without user name, password or query, where a token may be. */
  address: string;
  slots: number;
  busy: number;
  /** Whether it takes new runs. */
  up: boolean;
  checked_at: string | null;
  error: string | null;
}

export interface SystemStatus {
  browser_pool: {
    slots: number;
    free_slots: number;
    local_slots?: number;
    remote_endpoints?: RemoteEndpoint[];
    idle_browsers?: number;
    browsers_launched?: number;
    contexts_opened?: number;
    contexts_closed?: number;
  };
  queue: { queued: number; running: number };
  disk: {
    data_dir: string;
    used_bytes: number;
    free_bytes: number;
    total_bytes: number;
    /** Below this much free space, new runs are refused (`retention.min_free_gb`). */
    min_free_bytes: number;
    /** Whether new runs are refused now, and what to free. */
    low: boolean;
    detail: string | null;
  };
  version: string;
}
