// Statements every chat message runs, sent together: on these machines each round trip to PostgreSQL costs more CPU
// (the socket write and the wake-up on both sides) than the short query it carries, so the messages that arrive in
// one turn of the event loop share one statement.

/** Calls made in one turn of the event loop, run together as one `run` at the end of it; each gets its own result. */
export function batched<T, R>(run: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  const flush = async () => {
    const batch = waiting;
    waiting = [];
    try {
      const results = await run(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        w.resolve(results[i] as R);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ item, resolve, reject });
    });
}
