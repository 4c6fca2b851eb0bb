// Text from an agent, made safe to show people: characters that reorder, hide or control text
// (bidi overrides, zero-width and other format characters, control codes) are shown as visible
// `[U+202E]` marks instead of being interpreted, so what a person reads is what the agent sent.

/** Bidi controls, format characters (zero-width, soft hyphen, tags), C0/C1 controls except tab and newline. */
const HIDDEN = /[\p{Cf}\p{Cc}\u2028\u2029]/u;
const HIDDEN_ALL = /[\p{Cf}\p{Cc}\u2028\u2029]/gu;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const ZWJ = '\u200d';

export interface VisibleTextOptions {
  /** Keep line breaks (as `\n`); otherwise each is shown as ` ⏎ ` so one line stays one line. */
  multiline?: boolean;
}

function mark(char: string): string {
  return `[U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;
}

export function visibleText(text: string, options: VisibleTextOptions = {}): string {
  if (!HIDDEN.test(text)) return text;
  const lineBreak = options.multiline === true ? '\n' : ' ⏎ ';
  const normalized = text.replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n');
  return normalized.replace(HIDDEN_ALL, (char, offset: number, whole: string) => {
    if (char === '\n') return lineBreak;
    if (char === '\t') return options.multiline === true ? char : ' ';
    // A joiner between two pictographs builds one emoji (a family, a flag): keep it.
    if (
      char === ZWJ &&
      PICTOGRAPH.test(whole.slice(Math.max(0, offset - 2), offset)) &&
      PICTOGRAPH.test(whole.slice(offset + 1, offset + 3))
    )
      return char;
    return mark(char);
  });
}
