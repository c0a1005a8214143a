// The console shell: sign in with a gateway key, then Batches, a batch, Spend and Files.
//
// Key handling (README "Web console"): the key is kept in this tab's sessionStorage only, so a reload
// keeps the user signed in and closing the tab forgets it; it is sent only in the Authorization
// header of requests to this origin's API, never in a URL, a cookie or a log. Sign out forgets it.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, ApiError } from './api';
import { ErrorMessage } from './components';
import { useHashRoute } from './hooks';
import { BatchPage } from './pages/batch';
import { BatchesPage } from './pages/batches';
import { FilesPage } from './pages/files';
import { SpendPage } from './pages/spend';
import type { Session } from './types';

const KEY_STORAGE = 'finops-console-key';

interface SignedIn {
  api: Api;
  session: Session;
}

async function signIn(key: string): Promise<SignedIn> {
  const api = new Api(key);
  return { api, session: await api.get<Session>('/console/session') };
}

export function App() {
  const [state, setState] = useState<SignedIn | null>(null);
  const [restoring, setRestoring] = useState(() => Boolean(sessionStorage.getItem(KEY_STORAGE)));
  useEffect(() => {
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (!key) return;
    signIn(key)
      .then(setState, () => sessionStorage.removeItem(KEY_STORAGE))
      .finally(() => setRestoring(false));
  }, []);
  if (restoring) return <p class="center">Signing in…</p>;
  if (!state) return <Login onSignedIn={setState} />;
  return (
    <Shell
      {...state}
      onSignOut={() => {
        sessionStorage.removeItem(KEY_STORAGE);
        setState(null);
      }}
    />
  );
}

function Login({ onSignedIn }: { onSignedIn: (s: SignedIn) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signedIn = await signIn(key.trim());
      sessionStorage.setItem(KEY_STORAGE, key.trim());
      onSignedIn(signedIn);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'The gateway refused this key. Check it, or ask your operator for one (npm run keys -- create).'
          : `Could not sign in: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>FinOps Batch Gateway</h1>
      <p>Sign in with a gateway key to see your batches, what they cost and what they saved.</p>
      <form onSubmit={submit}>
        <label for="key">Gateway key</label>
        <input
          id="key"
          name="key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      <p class="muted small">
        The key stays in this browser tab (session storage) and is sent only to this gateway, in the Authorization header.
      </p>
    </main>
  );
}

const NAV = [
  { route: 'batches', label: 'Batches' },
  { route: 'spend', label: 'Spend' },
  { route: 'files', label: 'Files' },
];

function Shell({ api, session, onSignOut }: SignedIn & { onSignOut: () => void }) {
  const [page = 'batches', id] = useHashRoute();
  const content = useMemo(() => {
    if (page === 'batches' && id) return <BatchPage api={api} id={id} session={session} />;
    if (page === 'spend') return <SpendPage api={api} />;
    if (page === 'files') return <FilesPage api={api} />;
    return <BatchesPage api={api} />;
  }, [page, id, api, session]);
  useEffect(() => {
    // Move focus to the new page's heading, so keyboard and screen-reader users land on it.
    (document.querySelector('main h1') as HTMLElement | null)?.focus();
  }, [page, id]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">FinOps Batch Gateway</span>
        <nav aria-label="Console">
          {NAV.map((n) => (
            <a href={`#/${n.route}`} aria-current={page === n.route ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <span class="who">
          <span class="muted">key</span> {session.key_name ?? session.key_id}
          <button type="button" class="small" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </>
  );
}
