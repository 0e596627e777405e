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
  key_name: string | null;
  key_id?: string | null;
  csrf_token: string;
  expires_at: string;
}

export interface WebhookSecret {
  secret: string;
  configured: boolean;
  older: { secret: string; signs_until: string }[];
}

export interface ModelSettings {
  provider: string;
  base_url: string | null;
  model: string;
  vision: boolean;
  api_key_set: boolean;
}

export type ModelTest =
  | { ok: true; provider: string; model: string; latency_ms: number; reply: string }
  | { ok: false; provider: string; model: string; error: string };

export interface SystemStatus {
  browser_pool: Record<string, unknown>;
  queue: { queued: number; running: number };
  disk: { data_dir: string; used_bytes: number; free_bytes: number; total_bytes: number };
  version: string;
}
