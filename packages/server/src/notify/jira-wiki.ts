// Ticket blocks as Jira wiki markup (Jira Data Center, REST API v2, whose descriptions and
// comments are wiki text). Text the request brought goes in {noformat} blocks, which Jira shows
// as written (no markup, links, mentions or emoticons); Tollgate's own words around them are
// escaped. A `{noformat` inside such text would close the block, so it reads `{ noformat`.

import type { TicketBlock } from './ticket-blocks.js';

/** Tollgate's words in wiki markup: its formatting characters taken literally. */
function escaped(text: string): string {
  return text.replace(/[\\*_?+^~{}[\]|!#-]/g, (character) => `\\${character}`);
}

function noformat(lines: string[]): string {
  return `{noformat}\n${lines.map((line) => line.replace(/\{(noformat)/gi, '{ $1')).join('\n')}\n{noformat}`;
}

function markup(block: TicketBlock): string {
  switch (block.kind) {
    case 'heading':
      return `h3. ${escaped(block.text)}`;
    case 'line':
      return noformat([block.text]);
    case 'facts':
      return block.items.length === 0 ? '' : noformat(block.items.map(({ label, value }) => `${label}: ${value}`));
    case 'warnings':
      return `*⚠ Check:*\n${noformat(block.items)}`;
    case 'quote':
      return `*${escaped(block.label)}*\n${noformat(block.lines)}`;
    case 'list':
      return `*${escaped(block.label)}*\n${noformat(block.items.map((item) => `- ${item}`))}`;
    case 'link':
      // Tollgate's own address: no `|` or `]` in it to break the link.
      return `[${escaped(block.text)}|${block.href.replace(/[|\]\s]/g, encodeURIComponent)}]`;
  }
}

export function wikiText(blocks: TicketBlock[]): string {
  return blocks
    .map(markup)
    .filter((part) => part !== '')
    .join('\n\n');
}
