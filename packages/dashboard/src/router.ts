// Client-side routing over the History API, so links such as /approvals/<id> (the URL the server
// puts in every notification) open the right page directly.

import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();
const here = (): string => `${location.pathname}${location.search}`;

window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === here()) return;
  if (options.replace === true) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
}

export function usePath(): string {
  const [path, setPath] = useState(here());
  useEffect(() => {
    const listener = (): void => setPath(here());
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return path;
}

/** Plain clicks stay in the app; modified clicks (new tab, new window) are left to the browser. */
export function followLink(event: MouseEvent, href: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(href);
}
