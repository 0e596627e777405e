// The appliance's API as the UI calls it: same origin, the login session's cookie, and the
// session's CSRF token on every request that changes something.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** The CSRF token the login left in a readable cookie. */
export function csrfToken(): string {
  const found = document.cookie.split('; ').find((c) => c.startsWith('skyvern_csrf='));
  return found ? decodeURIComponent(found.slice('skyvern_csrf='.length)) : '';
}

/** The text a person should read for an error body: FastAPI's `detail` list, or `{message}`. */
export function errorMessage(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (Array.isArray(record.detail)) {
      return record.detail
        .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).slice(1).join('.') || 'request'}: ${d.msg ?? ''}`)
        .join('\n');
    }
    if (typeof record.detail === 'string') return record.detail;
    if (typeof record.message === 'string') return record.message;
  }
  return fallback;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Calls `/v1{path}`; answers the parsed JSON, or throws an `ApiError` with a readable message. */
export async function api<T = unknown>(path: string, method: Method = 'GET', body?: unknown): Promise<T> {
  return (await request<T>(path, method, body)).body;
}

/** As `api`, with the answer's headers too (a listing's `x-total-count`). */
export async function request<T = unknown>(path: string, method: Method = 'GET', body?: unknown): Promise<{ body: T; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`/v1${path}`, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 401) {
    location.assign('/login');
    throw new ApiError(401, 'signed out', null);
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : null;
  if (!response.ok) throw new ApiError(response.status, errorMessage(parsed, `${response.status} ${response.statusText}`), parsed);
  return { body: parsed as T, headers: response.headers };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Ends the login session and goes back to the sign-in page. */
export async function signOut(): Promise<void> {
  await fetch('/logout', { method: 'POST', headers: { 'x-csrf-token': csrfToken() }, credentials: 'same-origin' });
  location.assign('/login');
}
