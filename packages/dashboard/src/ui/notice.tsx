// Messages on a page: loading, errors (announced to screen readers) and empty states.
import type { ComponentChildren } from 'preact';

export function ErrorNotice(props: { children: ComponentChildren }) {
  return (
    <p class="error" role="alert">
      {props.children}
    </p>
  );
}

export function Loading() {
  return (
    <p class="muted" aria-busy="true">
      Loading…
    </p>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}
