// Reasons and warnings name fields and values in `backticks`; these show as <code>, built as
// elements around text nodes, so nothing inside them is read as markup.

import { shown } from '../lib/shown.js';

const CODE_SPAN = /`([^`\n]+)`/;

export function CodeText(props: { text: string }) {
  const parts = shown(props.text).split(CODE_SPAN);
  return <>{parts.map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part))}</>;
}
