// The shell: finds out who is signed in, shows the login page or the navigation and the page
// for the current path.

import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, whenSignedOut } from './api/client.js';
import { startLive, stopLive, useLiveConnected } from './api/live.js';
import type { Me } from './api/types.js';
import { PAGES } from './pages.js';
import { DecisionPage } from './pages/decision-page.js';
import { QuestionPage } from './pages/question-page.js';
import { LoginPage } from './pages/login-page.js';
import { navigate, usePath } from './router.js';
import { canDecide, SessionContext } from './session.js';
import { AwayBanner, AwaySwitch } from './ui/away-switch.js';
import { Link } from './ui/link.js';

type Session = { state: 'loading' } | { state: 'signed-out' } | { state: 'signed-in'; me: Me };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'loading' });
  const path = usePath();

  useEffect(() => {
    whenSignedOut(() => {
      stopLive();
      setSession({ state: 'signed-out' });
    });
    get<Me>('/v1/auth/me').then(
      (me) => setSession({ state: 'signed-in', me }),
      () => setSession({ state: 'signed-out' }),
    );
  }, []);

  useEffect(() => {
    if (session.state === 'signed-in') startLive();
  }, [session.state]);

  if (session.state === 'loading') return <p class="loading">Loading…</p>;
  if (session.state === 'signed-out') return <LoginPage onSignedIn={(me) => setSession({ state: 'signed-in', me })} />;
  return (
    <SessionContext.Provider value={session.me}>
      <Shell
        me={session.me}
        path={path}
        onMe={(me) => setSession({ state: 'signed-in', me })}
        onSignOut={() => setSession({ state: 'signed-out' })}
      />
    </SessionContext.Provider>
  );
}

function Shell(props: { me: Me; path: string; onMe: (me: Me) => void; onSignOut: () => void }) {
  const live = useLiveConnected();
  const pathname = props.path.split('?')[0]!;
  const pages = PAGES.filter((page) => page.visible(props.me));
  const approvalId = /^\/approvals\/([^/]+)$/.exec(pathname)?.[1];
  const questionId = /^\/questions\/([^/]+)$/.exec(pathname)?.[1];
  const current = pages.find((page) => page.path === pathname || (page.path !== '/' && pathname.startsWith(`${page.path}/`)));

  const firstRender = useRef(true);
  useEffect(() => {
    document.title = `${approvalId !== undefined ? 'Decision' : (current?.title ?? 'Not found')} · Tollgate`;
    // After a navigation, focus goes to the new content, as a page load would put it, for keyboard and screen-reader users.
    if (firstRender.current) firstRender.current = false;
    else document.getElementById('main')?.focus();
  }, [pathname]);

  async function signOut(): Promise<void> {
    await post('/v1/auth/logout').catch(() => undefined);
    stopLive();
    navigate('/');
    props.onSignOut();
  }

  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          Tollgate
        </Link>
        <nav aria-label="Main">
          <ul>
            {pages.map((page) => (
              <li key={page.path}>
                <Link href={page.path} aria-current={current === page ? 'page' : undefined}>
                  {page.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span
            class={`live-dot ${live ? 'on' : 'off'}`}
            role="status"
            aria-label={live ? 'live updates on' : 'live updates reconnecting'}
          />
          <span>
            {props.me.name} <small>({props.me.role})</small>
          </span>
          {canDecide(props.me) && <AwaySwitch me={props.me} onChange={props.onMe} />}
          <button type="button" class="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {canDecide(props.me) && <AwayBanner me={props.me} />}
      <main id="main" tabIndex={-1}>
        {approvalId !== undefined ? (
          <DecisionPage key={approvalId} id={decodeURIComponent(approvalId)} />
        ) : questionId !== undefined ? (
          <QuestionPage key={questionId} id={decodeURIComponent(questionId)} />
        ) : current !== undefined ? (
          <current.component key={current.path} />
        ) : (
          <NotFound />
        )}
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link href="/">Go to the inbox</Link>.
      </p>
    </section>
  );
}
