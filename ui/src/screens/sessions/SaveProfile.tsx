// Saving a session's cookies and storage as a browser profile: now, from the open session, or at
// its end (generate_browser_profile, set with PATCH).
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useAction } from '../../components/useAction';
import type { BrowserProfile, BrowserSession } from './model';

export function SaveProfile({ session, onChanged }: { session: BrowserSession; onChanged: (session: BrowserSession) => void }) {
  const [name, setName] = useState('');
  const [saved, setSaved] = useState<BrowserProfile | null>(null);
  const id = session.browser_session_id;
  const open = session.status === 'running';
  const canSave = open || session.generate_browser_profile;

  const keepAtEnd = useAction(async (keep: boolean) => {
    onChanged(await api<BrowserSession>(`/browser_sessions/${id}`, 'PATCH', { generate_browser_profile: keep }));
  });
  const saveNow = useAction(async () => {
    setSaved(null);
    setSaved(await api<BrowserProfile>('/browser_profiles', 'POST', { name: name.trim(), browser_session_id: id }));
    setName('');
  });
  const save = (event: Event) => {
    event.preventDefault();
    saveNow.run();
  };
  const busy = saveNow.busy;
  const error = keepAtEnd.error || saveNow.error;

  return (
    <section class="panel" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Save as browser profile</h2>
      <p class="muted">A profile keeps this session's cookies and local storage, so later sessions and runs start signed in where it was.</p>
      {open && (
        <div class="field check">
          <input id="keep-storage" type="checkbox" checked={session.generate_browser_profile} onChange={(e) => keepAtEnd.run(e.currentTarget.checked)} />
          <label for="keep-storage">Keep its storage when it ends, to save it as a profile afterwards</label>
        </div>
      )}
      {canSave ? (
        <form class="row save-profile" onSubmit={save}>
          <label for="profile-name" class="inline-label">
            Profile name
          </label>
          <input id="profile-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" disabled={busy || !name.trim()}>
            {busy ? 'Saving…' : open ? 'Save its storage now' : 'Save the kept storage'}
          </button>
        </form>
      ) : (
        <p class="empty">This session ended without keeping its storage.</p>
      )}
      {saved && (
        <p role="status" class="ok-text">
          Saved as profile <strong>{saved.name}</strong> (<code>{saved.browser_profile_id}</code>).
        </p>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
