// Ticket blocks as an Atlassian Document Format document (Jira Cloud, REST API v3). Everything
// the request brought is a text node without marks: ADF has no markup inside text, so `*bold*`,
// `[x](http://…)` or `@here` stay characters. Marks are Tollgate's (strong labels, its own link).

import type { TicketBlock } from './ticket-blocks.js';

export type AdfNode = Record<string, unknown>;

const text = (value: string, marks?: AdfNode[]): AdfNode[] =>
  // ADF refuses an empty text node.
  value === '' ? [] : [{ type: 'text', text: value, ...(marks === undefined ? {} : { marks }) }];
const strong = (value: string): AdfNode[] => text(value, [{ type: 'strong' }]);
const paragraph = (content: AdfNode[]): AdfNode => ({ type: 'paragraph', content });
const bullets = (items: AdfNode[][]): AdfNode => ({
  type: 'bulletList',
  content: items.map((content) => ({ type: 'listItem', content: [paragraph(content)] })),
});

function node(block: TicketBlock): AdfNode[] {
  switch (block.kind) {
    case 'heading':
      return [{ type: 'heading', attrs: { level: 3 }, content: text(block.text) }];
    case 'line':
      return [paragraph(text(block.text))];
    case 'facts':
      return block.items.length === 0 ? [] : [bullets(block.items.map(({ label, value }) => [...strong(`${label}: `), ...text(value)]))];
    case 'warnings':
      return [
        {
          type: 'panel',
          attrs: { panelType: 'warning' },
          content: block.items.map((warning) => paragraph([...strong('⚠ Check: '), ...text(warning)])),
        },
      ];
    case 'quote':
      return [paragraph(strong(block.label)), { type: 'blockquote', content: block.lines.map((line) => paragraph(text(line))) }];
    case 'list':
      return [paragraph(strong(block.label)), bullets(block.items.map((item) => text(item)))];
    case 'link':
      return [paragraph(text(block.text, [{ type: 'link', attrs: { href: block.href } }]))];
  }
}

export function adfDocument(blocks: TicketBlock[]): AdfNode {
  return { version: 1, type: 'doc', content: blocks.flatMap(node) };
}
