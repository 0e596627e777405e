// The open browser sessions as a table: status, start, timeout and time left, the run holding
// its turn, recordings, and Extend / Close.
import { Link } from '../../router';
import { StatusBadge } from '../../components/StatusBadge';
import { formatTime } from '../../format';
import { runHref, timeLeft, type BrowserSession } from './model';
import { SessionActions } from './SessionActions';
import { useNow } from './useNow';

export function SessionTable(props: { sessions: BrowserSession[]; onChanged: (session: BrowserSession) => void; onError: (message: string) => void }) {
  const now = useNow();
  return (
    <div class="table-wrap">
      <table class="sessions-table stacking-table">
        <caption class="visually-hidden">Open browser sessions</caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Timeout</th>
            <th scope="col">Turn</th>
            <th scope="col">Recordings</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.sessions.map((session) => (
            <tr key={session.browser_session_id}>
              <td data-label="Session">
                <Link href={`/sessions/${session.browser_session_id}`}>
                  <code>{session.browser_session_id}</code>
                </Link>
                {session.url && <div class="muted session-url">{session.url}</div>}
              </td>
              <td data-label="Status">
                <StatusBadge status={session.status} />
              </td>
              <td data-label="Started">{formatTime(session.started_at ?? session.created_at)}</td>
              <td data-label="Timeout">
                {session.timeout} min
                <div class="muted">{timeLeft(session.expires_at, now)}</div>
              </td>
              <td data-label="Turn">
                {session.runnable_id ? (
                  <Link href={runHref(session.runnable_id)}>
                    <code>{session.runnable_id}</code>
                  </Link>
                ) : (
                  <span class="muted">idle</span>
                )}
              </td>
              <td data-label="Recordings">{session.recordings.length}</td>
              <td>
                <SessionActions session={session} onChanged={props.onChanged} onError={props.onError} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
