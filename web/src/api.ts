/** The server's API, as the interface calls it: same origin, the session cookie, and its CSRF token on every change. */

let csrfToken: string | undefined;
let onSignedOut: (() => void) | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the server says the session is over (expired, or signed out elsewhere). */
export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

export class ApiFailure extends Error {
  constructor(readonly status: number, message: string, readonly body: unknown) {
    super(message);
  }
}

function messageOf(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(b.errors) ? b.errors.map(String) : b.errors && typeof b.errors === 'object'
      ? Object.entries(b.errors as Record<string, unknown>).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`) : [];
    const message = typeof b.message === 'string' ? b.message : `The server answered ${status}`;
    return errors.length ? `${message} ${errors.join('; ')}` : message;
  }
  return `The server answered ${status}`;
}

async function send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) {
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the text is the message.
    }
    const message = messageOf(parsed, res.status);
    if (res.status === 403 && /Authentication failed|CSRF token/.test(message)) onSignedOut?.();
    throw new ApiFailure(res.status, message, parsed);
  }
  return res;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Saves what the server answers as a file the browser downloads. */
export async function download(method: 'GET' | 'POST', path: string, filename: string, body?: unknown): Promise<void> {
  const res = await send(method, path, body, '*/*');
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
