// The app: the navigation shell and the screen each path shows.
import type { JSX } from 'preact';
import { signOut } from './api';
import { Link, match, useLocation } from './router';
import { LowDiskBanner } from './components/LowDiskBanner';
import { Runs } from './screens/Runs';
import { NewRun } from './screens/NewRun';
import { LiveExecution } from './screens/LiveExecution';
import { RunDetail } from './screens/RunDetail';
import { Plans } from './screens/Plans';
import { PlanEditor } from './screens/PlanEditor';
import { Sessions } from './screens/Sessions';
import { SessionLive } from './screens/SessionLive';
import { Credentials } from './screens/Credentials';
import { Settings } from './screens/Settings';
import { ApiReference } from './screens/ApiReference';

type Screen = (params: Record<string, string>) => JSX.Element;

/** Paths and their screens, most specific first. */
const ROUTES: [string, Screen][] = [
  ['/', () => <Runs />],
  ['/runs', () => <Runs />],
  ['/runs/new', () => <NewRun />],
  ['/runs/:id/live', ({ id }) => <LiveExecution runId={id} />],
  ['/runs/:id', ({ id }) => <RunDetail runId={id} />],
  ['/plans', () => <Plans />],
  ['/plans/new', () => <PlanEditor />],
  ['/plans/:id', ({ id }) => <PlanEditor planId={id} />],
  ['/sessions', () => <Sessions />],
  ['/sessions/:id', ({ id }) => <SessionLive sessionId={id} />],
  ['/credentials', () => <Credentials />],
  ['/settings', () => <Settings />],
  ['/api', () => <ApiReference />],
];

const NAV = [
  { href: '/', label: 'Runs', active: (path: string) => path === '/' || path.startsWith('/runs') },
  { href: '/plans', label: 'Plans', active: (path: string) => path.startsWith('/plans') },
  { href: '/sessions', label: 'Sessions', active: (path: string) => path.startsWith('/sessions') },
  { href: '/credentials', label: 'Credentials', active: (path: string) => path.startsWith('/credentials') },
  { href: '/settings', label: 'Settings', active: (path: string) => path.startsWith('/settings') },
  { href: '/api', label: 'API', active: (path: string) => path.startsWith('/api') },
];

function screenFor(path: string): JSX.Element {
  for (const [pattern, screen] of ROUTES) {
    const params = match(pattern, path);
    if (params) return screen(params);
  }
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Back to the runs</Link>.
      </p>
    </section>
  );
}

export function App() {
  const { path } = useLocation();
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          Skyvern appliance
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={item.active(path) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="topbar-end">
          <Link href="/runs/new" class="button">
            New run
          </Link>
          <button type="button" class="ghost" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <LowDiskBanner />
        {screenFor(path)}
      </main>
    </div>
  );
}
