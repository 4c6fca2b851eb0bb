// A one-line progress bar for long CLI runs, drawn on stderr only when it is a terminal, so
// piped or captured output stays clean.

export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

const WIDTH = 30;

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY !== true) return { update: () => undefined, finish: () => undefined };
  let drawn = false;
  let last = -1;
  return {
    update(done, total) {
      const share = total === 0 ? 1 : Math.min(done / total, 1);
      const percent = Math.floor(share * 100);
      // Redrawing on every page would cost more than the replay at high rates.
      if (percent === last) return;
      last = percent;
      const filled = Math.round(share * WIDTH);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${percent}% ${done.toLocaleString('en')}/${total.toLocaleString('en')}`,
      );
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}
