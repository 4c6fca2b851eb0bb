// Sign in with a name and password; the server answers with the session cookie.
import { useState } from 'preact/hooks';
import { get, messageOf, post } from '../api/client.js';
import type { Me } from '../api/types.js';

export function LoginPage(props: { onSignedIn: (me: Me) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (name.trim() === '' || password === '') {
      setError('enter your name and your password');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await post('/v1/auth/login', {
        name: name.trim(),
        password,
        ...(tenant.trim() === '' ? {} : { tenant: tenant.trim() }),
      });
      // The session cookie is set now; /v1/auth/me answers the whole person, out-of-office flag included.
      props.onSignedIn(await get<Me>('/v1/auth/me'));
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login" id="main">
      <form class="card login-card" onSubmit={(event) => void submit(event)} noValidate>
        <h1>Sign in to Tollgate</h1>
        <label for="login-name">Name</label>
        <input id="login-name" name="name" autoComplete="username" value={name} onInput={(e) => setName(e.currentTarget.value)} autoFocus />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <details class="tenant">
          <summary>Another tenant</summary>
          <label for="login-tenant">Tenant</label>
          <input id="login-tenant" name="tenant" value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} />
        </details>
        {error !== undefined && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
