// Talks to /api/v1: the latest request wins, older ones are aborted and their answers dropped.

export class LatestOnly {
  constructor() {
    this.seq = 0;
    this.controller = null;
  }

  // Drops whatever is in flight.
  cancel() {
    this.seq += 1;
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  // Resolves to {results} for the newest call, or null when a newer call superseded it.
  async fetchAll(urls) {
    const mine = ++this.seq;
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    try {
      const results = await Promise.all(urls.map((url) => fetchJSON(url, controller.signal)));
      return mine === this.seq ? results : null;
    } catch (err) {
      if (err.name === "AbortError" || mine !== this.seq) return null;
      throw err;
    }
  }
}

// {ok, status, body}: a 422 is an answer (field errors), not an exception; a network failure throws.
async function fetchJSON(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = { detail: [{ field: null, message: `The server answered ${response.status} without JSON.` }] };
  }
  return { ok: response.ok, status: response.status, body, url };
}
