// Measuring chart text in the browser, in the page's font, so that a chart can size its margins
// and label column to the labels it draws.

let context: CanvasRenderingContext2D | null | undefined;

/** The width of `text` in the page's font at `px`; an estimate where there is no canvas to measure with. */
export function textWidth(text: string, px: number): number {
  if (context === undefined) context = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (context === null) return text.length * px * 0.6;
  context.font = `${px}px ${getComputedStyle(document.body).fontFamily}`;
  return context.measureText(text).width;
}
