// Errors the CLI turns into a one-line message and exit code 2 (bad usage, missing or corrupt
// data or model files), as opposed to internal errors (exit code 1).

/** A bad command line: unknown flag, bad value, flag that does not apply to the command. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A missing, unreadable or corrupt data or model file. */
export class DataError extends Error {
  override name = 'DataError';
}

/** The message of any thrown value, on one line. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Runs `fn`; anything it throws becomes a {@link DataError} whose message starts with
 * `what` (e.g. "cannot read MNIST from data/mnist-subset").
 */
export async function asDataError<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DataError || err instanceof UsageError) throw err;
    throw new DataError(`${what}: ${oneLine(err)}`);
  }
}
