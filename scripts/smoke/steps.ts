// The smoke test's record of what it did: one line per step (scope, step, result, time, detail), and
// a summary line. A failed step carries a hint that says what to check (scripts/smoke/hints.ts).
import { hintFor } from './hints';

export type StepResult = 'ok' | 'FAIL' | 'skip';

export interface StepRecord {
  scope: string;
  step: string;
  result: StepResult;
  ms: number;
  detail: string;
  hint?: string;
}

/** A step that did not pass: its message is the line's detail, `hint` what the operator should check. */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A step that cannot run here (e.g. no AWS credentials): neither a pass nor a failure. */
export class StepSkipped extends Error {}

export class StepLog {
  readonly records: StepRecord[] = [];
  private readonly startedAt = Date.now();

  constructor(private readonly print: (line: string) => void) {}

  /**
   * Runs one step and prints its line. Returns the step's value, or undefined when it failed or was
   * skipped (the caller stops that scope's workflow, the other scopes go on).
   */
  async step<T>(scope: string, step: string, run: () => Promise<{ value: T; detail: string }>): Promise<T | undefined> {
    const started = Date.now();
    try {
      const { value, detail } = await run();
      this.add({ scope, step, result: 'ok', ms: Date.now() - started, detail });
      return value;
    } catch (err) {
      const ms = Date.now() - started;
      if (err instanceof StepSkipped) {
        this.add({ scope, step, result: 'skip', ms, detail: err.message });
      } else {
        const { message, hint } = hintFor(err);
        this.add({ scope, step, result: 'FAIL', ms, detail: message, hint });
      }
      return undefined;
    }
  }

  get failed(): StepRecord[] {
    return this.records.filter((r) => r.result === 'FAIL');
  }

  summary(): string {
    const count = (result: StepResult) => this.records.filter((r) => r.result === result).length;
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    const verdict = this.failed.length === 0 ? 'PASSED' : 'FAILED';
    const failedSteps = this.failed.map((r) => `${r.scope} ${r.step}`).join(', ');
    return `smoke ${verdict}: ${count('ok')} ok, ${count('FAIL')} failed, ${count('skip')} skipped in ${seconds} s${failedSteps ? ` (failed: ${failedSteps})` : ''}`;
  }

  private add(record: StepRecord): void {
    this.records.push(record);
    const time = `${(record.ms / 1000).toFixed(2)} s`.padStart(8);
    this.print(`${record.scope.padEnd(10)} ${record.step.padEnd(20)} ${record.result.padEnd(4)} ${time}  ${record.detail}`);
    if (record.hint) this.print(`${''.padEnd(10)} ${''.padEnd(20)} ${'→'.padEnd(4)} ${''.padStart(8)}  check: ${record.hint}`);
  }
}
