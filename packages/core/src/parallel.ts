/** Runs tasks side by side under one signal; the first failure aborts the others and is thrown. */
export async function allOrNothing<T extends readonly Promise<unknown>[]>(
  signal: AbortSignal,
  start: (signal: AbortSignal) => T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  const tasks = start(both).map((t) =>
    t.catch((err: unknown) => {
      stop.abort(err);
      throw err;
    }),
  );
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
