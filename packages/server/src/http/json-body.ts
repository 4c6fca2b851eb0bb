// JSON request bodies: Fastify's own parser (which refuses `__proto__` and `constructor.prototype`),
// after a check that the text does not nest deeper than any action needs. A body of thousands of
// nested brackets parses, but then overflows the stack of every recursive walk over it (hashing,
// canonical JSON, validation), which would answer 500 instead of naming the problem.

import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../errors.js';

export const MAX_JSON_DEPTH = 100;

/** How deeply the arrays and objects of JSON text nest, without parsing it (strings are skipped). */
export function nestingDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export function installJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (nestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(
        new TollgateError('request.invalid', `the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, {
          field: 'body',
        }),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}
