// The browser sessions page: the open sessions (open, extend, close) and the browser profiles.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { Empty, ErrorBox, Loading } from '../components/Notice';
import { useLoad } from '../components/useLoad';
import { Link } from '../router';
import type { BrowserProfile, BrowserSession } from './sessions/model';
import { OpenSessionDialog } from './sessions/OpenSessionDialog';
import { ProfilesPanel } from './sessions/ProfilesPanel';
import { SessionTable } from './sessions/SessionTable';
import './sessions/sessions.css';

export function Sessions() {
  const sessions = useLoad(() => api<BrowserSession[]>('/browser_sessions'), []);
  const profiles = useLoad(() => api<BrowserProfile[]>('/browser_profiles?page_size=100'), []);
  const [opening, setOpening] = useState(false);
  const [error, setError] = useState('');
  const [opened, setOpened] = useState<BrowserSession | null>(null);
  // Turns and time left change on their own: the list is read again every 15 seconds.
  useEffect(() => {
    const timer = setInterval(sessions.reload, 15_000);
    return () => clearInterval(timer);
  }, [sessions.reload]);

  return (
    <section class="sessions-page">
      <div class="row page-head">
        <h1>Browser sessions</h1>
        <button type="button" onClick={() => setOpening(true)}>
          Open a session
        </button>
        <button type="button" class="secondary" onClick={sessions.reload}>
          Refresh
        </button>
      </div>
      <p class="muted">
        A session is a browser kept open between runs: its cookies and tabs stay. Runs name it with{' '}
        <code>browser_session_id</code> and take turns on it. Each open session holds one of the browser pool's slots.
      </p>
      {opened && (
        <div class="banner" role="status">
          Session <code>{opened.browser_session_id}</code> is open{opened.url ? ` at ${opened.url}` : ''} for {opened.timeout} minutes.{' '}
          <Link href={`/sessions/${opened.browser_session_id}`}>Watch and drive it</Link>
          {opened.warning && <div>{opened.warning}</div>}
        </div>
      )}
      {error && <ErrorBox title="That did not work">{error}</ErrorBox>}
      {sessions.error && <ErrorBox title="Sessions could not be loaded">{sessions.error}</ErrorBox>}
      {sessions.loading && !sessions.data && <Loading />}
      {sessions.data && sessions.data.length === 0 && <Empty>No session is open.</Empty>}
      {sessions.data && sessions.data.length > 0 && (
        <SessionTable
          sessions={sessions.data}
          onChanged={() => {
            setError('');
            sessions.reload();
          }}
          onError={setError}
        />
      )}
      <ProfilesPanel profiles={profiles} />
      <OpenSessionDialog
        open={opening}
        profiles={profiles.data ?? []}
        onClose={() => setOpening(false)}
        onOpened={(session) => {
          setOpening(false);
          setOpened(session);
          sessions.reload();
        }}
      />
    </section>
  );
}
