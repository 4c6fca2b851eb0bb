// Laying out chart text at the size it is shown: the charts are drawn in CSS pixels at the width
// they get (never scaled down with a viewBox), so each label is measured (text-width.ts), and the
// margins, the label column and the bars are sized to keep every label whole inside the drawing.

/** Chart text sizes: never below 11 px, even on a phone. */
export const FONT_PX = 13;
export const SMALL_FONT_PX = 12;
/** Below this width (a phone) the chart text is one step smaller, still at least 11 px. */
export const NARROW_PX = 420;

export function fontFor(width: number): number {
  return width < NARROW_PX ? SMALL_FONT_PX : FONT_PX;
}

/**
 * Labels that fit `room`, each still telling its row from the others: a long dotted name loses
 * its leading parts first ("approval_policies.production.default" → "…production.default"), as
 * long as what is left is no other label's ending; failing that, characters from the left.
 */
export function fitLabels(labels: string[], room: number, measure: (text: string) => number): string[] {
  const endsWith = (label: string, tail: string): boolean => label === tail || label.endsWith(`.${tail}`);
  return labels.map((label) => {
    if (measure(label) <= room) return label;
    const parts = label.split('.');
    for (let drop = 1; drop < parts.length; drop++) {
      const tail = parts.slice(drop).join('.');
      if (labels.some((other) => other !== label && endsWith(other, tail))) break;
      if (measure(`…${tail}`) <= room) return `…${tail}`;
    }
    let keep = label.length - 1;
    while (keep > 1 && measure(`…${label.slice(-keep)}`) > room) keep--;
    return `…${label.slice(-keep)}`;
  });
}

/** Where a centred label of `width` goes so that it stays whole between `min` and `max`. */
export function clampCentre(x: number, width: number, min: number, max: number): number {
  return Math.min(Math.max(x, min + width / 2), max - width / 2);
}
