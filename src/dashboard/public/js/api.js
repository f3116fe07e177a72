// REST calls with the API token when the service asks for one (kept for this browser session only).
const TOKEN_KEY = 'mission-control-token';

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

let asking = null;

/** Shows the token dialog once, however many requests wait for it. */
export function askForToken() {
  asking ??= new Promise((resolve) => {
    const dialog = document.getElementById('token-dialog');
    const input = document.getElementById('token-input');
    input.value = '';
    dialog.addEventListener(
      'close',
      () => {
        asking = null;
        if (dialog.returnValue === 'ok' && input.value.trim()) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        resolve(storedToken());
      },
      { once: true },
    );
    dialog.showModal();
  });
  return asking;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = 'GET', json } = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers = {};
    if (json !== undefined) headers['content-type'] = 'application/json';
    const token = storedToken();
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(path, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const body = await response.json().catch(() => null);
    if (response.status === 401 && attempt === 0 && (await askForToken())) continue;
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }
  throw new ApiError(401, { error: 'An API token is needed' });
}
