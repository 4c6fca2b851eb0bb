// The contract between bench/run.ts and a suite in bench/suites/<name>.ts.

export interface SuiteOptions {
  /** Shorter timings for a smoke test; the figures are noisier. */
  quick: boolean;
}

export interface Suite {
  /** One line shown by `bench/run.ts --help`. */
  description: string;
  /** Runs the suite, prints its report and returns JSON-serialisable results for `--json`. */
  run(options: SuiteOptions): Promise<unknown>;
}
