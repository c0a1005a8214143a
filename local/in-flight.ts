// Work a local server started and has not finished: handler invocations, tracker task runs, S3 event
// deliveries. Closing a server stops new work, then waits for this, so that nothing still running
// writes to a DynamoDB or S3 stand-in that has already closed (in Lambda, the invocation would simply
// finish; here the process goes on to close the stand-ins).
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  /** Runs `work` and keeps it until it settles; resolves or rejects as `work` does. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
    return work;
  }

  /**
   * Resolves once everything tracked (including work tracked meanwhile) has settled, or after
   * `timeoutMs`, so that a request a fault test left hanging cannot hold up shutdown forever.
   */
  async settle(timeoutMs = 15_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    const drained = (async () => {
      while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    })();
    await Promise.race([drained, deadline]);
    clearTimeout(timer);
  }
}
