// The dialog that opens a new browser session: the page it starts on, its timeout, and
// optionally a browser profile to start from and whether to keep its storage at the end.
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { Dialog } from '../../components/Dialog';
import { useAction } from '../../components/useAction';
import type { BrowserProfile, BrowserSession } from './model';
import { FormActions } from '../../components/FormActions';

export function OpenSessionDialog(props: {
  open: boolean;
  profiles: BrowserProfile[];
  onClose: () => void;
  onOpened: (session: BrowserSession) => void;
}) {
  const [url, setUrl] = useState('');
  const [timeout, setTimeoutMinutes] = useState('60');
  const [profile, setProfile] = useState('');
  const [keep, setKeep] = useState(false);
  const { busy, error, run: openSession } = useAction(async () => {
    const body: Record<string, unknown> = { timeout: Number(timeout) };
    if (url.trim()) body.url = url.trim();
    if (profile) body.browser_profile_id = profile;
    if (keep) body.generate_browser_profile = true;
    const session = await api<BrowserSession>('/browser_sessions', 'POST', body);
    setUrl('');
    props.onOpened(session);
  });
  const submit = (event: Event) => {
    event.preventDefault();
    openSession();
  };

  return (
    <Dialog title="Open a browser session" open={props.open} onClose={props.onClose}>
      <form class="dialog-body" onSubmit={submit}>
        <div class="field">
          <label for="session-url">Start page</label>
          <input id="session-url" type="url" placeholder="https://example.org" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          <p class="hint">Leave empty for a blank page.</p>
        </div>
        <div class="field">
          <label for="session-timeout">Timeout (minutes)</label>
          <input
            id="session-timeout"
            type="number"
            min={5}
            max={240}
            required
            value={timeout}
            onInput={(e) => setTimeoutMinutes(e.currentTarget.value)}
            aria-describedby="session-timeout-hint"
          />
          <p class="hint" id="session-timeout-hint">
            From 5 to 240 minutes. The session holds one of the browser pool's slots until it ends.
          </p>
        </div>
        {props.profiles.length > 0 && (
          <div class="field">
            <label for="session-profile">Start from a browser profile</label>
            <select id="session-profile" value={profile} onChange={(e) => setProfile(e.currentTarget.value)}>
              <option value="">None (a fresh browser)</option>
              {props.profiles.map((p) => (
                <option key={p.browser_profile_id} value={p.browser_profile_id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field check">
          <input id="session-keep" type="checkbox" checked={keep} onChange={(e) => setKeep(e.currentTarget.checked)} />
          <label for="session-keep">Keep its cookies and storage when it ends, to save them as a browser profile</label>
        </div>
        <FormActions error={error} busy={busy} submit="Open session" busyLabel="Opening…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
