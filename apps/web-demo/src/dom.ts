// Small DOM helpers shared by the pages.

/** The element with this id (an error naming the id when the page lacks it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`web demo: the page has no #${id}`);
  return el as T;
}

/** Shows the red banner at the top of the page with `message`. */
export function showError(message: string): void {
  const banner = byId('error-banner');
  byId('error-text').textContent = message;
  banner.hidden = false;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A URL relative to the page (works when the demo is served under a sub-path). */
export function asset(path: string): string {
  return new URL(path, document.baseURI).href;
}

/** Fetches JSON, with the URL and HTTP status in the error. */
export async function fetchJson<T>(path: string): Promise<T> {
  const url = asset(path);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} failed: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Percent with one decimal: 0.9731 -> '97.3%'. */
export function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}
