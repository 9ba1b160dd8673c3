// The login form (docs/operations.md, Security): shown when the server answers 401, i.e. it runs
// with MILIMO_AUTH_TOKEN. The token is traded for an HttpOnly cookie, which every request and the
// EventSource then carry; a reload starts the app again with it.
import { useEffect, useState } from "react";
import { UNAUTHORIZED_EVENT } from "../api/client";

export function Login() {
  const [open, setOpen] = useState(false);
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const show = () => setOpen(true);
    window.addEventListener(UNAUTHORIZED_EVENT, show);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, show);
  }, []);
  if (!open) return null;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await fetch("/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
      if (r.ok) {
        window.location.reload();
        return;
      }
      setError(r.status === 401 ? "That is not this studio's access token." : `Login failed (HTTP ${r.status})`);
    } catch {
      setError("The studio server cannot be reached");
    }
    setBusy(false);
  };
  return (
    <div className="modal-backdrop login">
      <form className="modal confirm" role="dialog" aria-label="Log in" onSubmit={submit}>
        <h2>Log in to this studio</h2>
        <p>It is shared over the network. Enter its access token (MILIMO_AUTH_TOKEN on the server).</p>
        <input className="login-token" type="password" autoComplete="current-password" placeholder="Access token" autoFocus
          value={token} onChange={(e) => setToken(e.target.value)} />
        {error && <p className="login-error" role="alert">{error}</p>}
        <div className="row-actions">
          <button className="btn primary" type="submit" disabled={busy || !token}>Log in</button>
        </div>
      </form>
    </div>
  );
}
