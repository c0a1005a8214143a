// The error a call fails with, checked to be of the expected class; the test fails when the call succeeds.
type ErrorClass<E> = abstract new (...args: never[]) => E;

/** What `fn` throws, which must be a `kind`. */
export function thrownBy<E extends Error>(fn: () => unknown, kind: ErrorClass<E>): E {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return err as E;
  }
  throw new Error(`expected a ${kind.name}, but nothing was thrown`);
}

/** What `work` rejects with, which must be a `kind`. */
export async function rejectionOf<E extends Error>(work: Promise<unknown>, kind: ErrorClass<E>): Promise<E> {
  try {
    await work;
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return err as E;
  }
  throw new Error(`expected a ${kind.name}, but the call succeeded`);
}
