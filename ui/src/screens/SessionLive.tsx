// One browser session: its live view (watch, take control), who holds its turn, Extend / Close,
// saving it as a browser profile, its downloads and recordings.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { LiveScreen } from '../components/LiveScreen';
import { ErrorBox, Loading } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { useLoad } from '../components/useLoad';
import { formatTime } from '../format';
import { Link } from '../router';
import { runHref, timeLeft, type BrowserSession } from './sessions/model';
import { SaveProfile } from './sessions/SaveProfile';
import { SessionActions } from './sessions/SessionActions';
import { SessionDownloads, SessionRecordings } from './sessions/SessionFiles';
import { useNow } from './sessions/useNow';
import './sessions/sessions.css';

export function SessionLive({ sessionId }: { sessionId: string }) {
  const loaded = useLoad(() => api<BrowserSession>(`/browser_sessions/${encodeURIComponent(sessionId)}`), [sessionId]);
  const [session, setSession] = useState<BrowserSession | null>(null);
  const [turn, setTurn] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);
  const now = useNow();

  useEffect(() => {
    if (loaded.data) setSession(loaded.data);
  }, [loaded.data]);

  const refresh = () => {
    loaded.reload();
    setVersion((v) => v + 1);
  };

  if (loaded.error && !session) {
    return (
      <section>
        <h1>Session {sessionId}</h1>
        <ErrorBox title="The session could not be loaded">{loaded.error}</ErrorBox>
        <Link href="/sessions">Back to the sessions</Link>
      </section>
    );
  }
  if (!session) {
    return (
      <section>
        <h1>Session {sessionId}</h1>
        <Loading />
      </section>
    );
  }

  const open = session.status === 'running';
  const holder = turn === undefined ? session.runnable_id : turn;

  return (
    <section class="session-page">
      <p class="crumbs">
        <Link href="/sessions">Sessions</Link> / <code>{session.browser_session_id}</code>
      </p>
      <div class="row page-head">
        <h1>
          Session <code>{session.browser_session_id}</code>
        </h1>
        <StatusBadge status={session.status} />
        <SessionActions
          session={session}
          onChanged={(next) => {
            setError('');
            setSession(next);
            refresh();
          }}
          onError={setError}
        />
      </div>
      <dl class="facts">
        <div>
          <dt>Started</dt>
          <dd>{formatTime(session.started_at ?? session.created_at)}</dd>
        </div>
        <div>
          <dt>Timeout</dt>
          <dd>
            <span data-testid="session-timeout">{session.timeout} min</span>
            {open && <span class="muted"> · {timeLeft(session.expires_at, now)}</span>}
          </dd>
        </div>
        {!open && (
          <div>
            <dt>Ended</dt>
            <dd>
              {formatTime(session.completed_at)}
              {session.ended_reason && <span class="muted"> · {session.ended_reason}</span>}
            </dd>
          </div>
        )}
        {session.browser_profile_id && (
          <div>
            <dt>Started from profile</dt>
            <dd>
              <code>{session.browser_profile_id}</code>
            </dd>
          </div>
        )}
      </dl>
      {error && <ErrorBox title="That did not work">{error}</ErrorBox>}
      {open ? (
        <section class="panel" aria-labelledby="live-heading">
          <h2 id="live-heading">Live browser</h2>
          <p class="session-turn" role="status">
            {holder ? (
              <>
                Run <Link href={runHref(holder)}>{holder}</Link> holds the session's turn: watch it in that run's live view.
              </>
            ) : (
              'No run holds the turn: you may take control of the browser.'
            )}
          </p>
          <LiveScreen
            path={`/v1/browser_sessions/${encodeURIComponent(session.browser_session_id)}/live`}
            actor="the session's run"
            onTurn={setTurn}
            onEnd={refresh}
          />
        </section>
      ) : (
        <p class="banner">This session has ended ({session.status.replace(/_/g, ' ')}).</p>
      )}
      <SaveProfile session={session} onChanged={setSession} />
      <div class="grid-2">
        <SessionDownloads sessionId={session.browser_session_id} version={version} />
        <SessionRecordings recordings={session.recordings} />
      </div>
    </section>
  );
}
