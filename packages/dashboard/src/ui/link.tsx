// An anchor that navigates inside the app without a page load.
import type { ComponentChildren } from 'preact';
import { followLink } from '../router.js';

export function Link(props: { href: string; class?: string; children: ComponentChildren; 'aria-current'?: 'page' | undefined }) {
  return (
    <a href={props.href} class={props.class} aria-current={props['aria-current']} onClick={(event) => followLink(event, props.href)}>
      {props.children}
    </a>
  );
}
