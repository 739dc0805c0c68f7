import type { Batch, BatchForms, JsonLines, Rereadable } from './row-source.js';

/**
 * Lets readers that run at the same time share each read of a {@link Rereadable}: the renderers of a
 * version (`<id>.json` takes the rows' JSON lines, Parquet and the statistics take the rows) read and
 * parse a spill of a million rows once between them instead of once each.
 *
 * Each reader gets a view ({@link SharedReads.reader}) and tells it when it will read no more
 * ({@link SharedReader.done}). A read starts once every reader still at work has asked for one, so
 * a reader's second read (the statistics' second pass) starts when the others are done or ask for
 * theirs. The readers take each batch in step: the read moves on to the next batch when every
 * reader has taken this one, so memory holds about two batches whatever the table's size. A reader
 * that stops early leaves its read; the others go on.
 *
 * A reader must not wait on another reader (they would wait for each other); the renderers each
 * write their own file and never do.
 */
export class SharedReads<T> {
  readonly #source: Rereadable<T>;
  readonly #working = new Set<SharedReader<T>>();
  /** Readers that asked for a read and wait for it to start. */
  readonly #asking = new Set<Subscriber<T>>();
  #reading = false;

  constructor(source: Rereadable<T>) {
    this.#source = source;
  }

  /** How many values a read yields. */
  get count(): number {
    return this.#source.count;
  }

  /** The source itself, for a read that is not shared. */
  get source(): Rereadable<T> {
    return this.#source;
  }

  /** A new reader's view of the source; it takes part in every read until it is {@link SharedReader.done}. */
  reader(): SharedReader<T> {
    const view = new SharedReader(this);
    this.#working.add(view);
    return view;
  }

  /** @internal the view's read: joins the next shared read. */
  async *read(view: SharedReader<T>, form: keyof BatchForms): AsyncGenerator<readonly unknown[]> {
    const subscriber = new Subscriber<T>(view, form);
    this.#asking.add(subscriber);
    this.#startWhenAllAsk();
    try {
      for (;;) {
        const batch = await subscriber.take();
        if (batch === undefined) return;
        const items = form === 'values' ? batch.values : batch.json;
        if (items === undefined) throw new Error(`a shared read gave no ${form}`);
        yield items;
      }
    } finally {
      this.#asking.delete(subscriber);
      subscriber.leave();
      this.#startWhenAllAsk();
    }
  }

  /** @internal the view will read no more. */
  finish(view: SharedReader<T>): void {
    this.#working.delete(view);
    this.#startWhenAllAsk();
  }

  #startWhenAllAsk(): void {
    if (this.#reading || this.#asking.size === 0) return;
    const asking = new Set([...this.#asking].map((subscriber) => subscriber.view));
    for (const view of this.#working) if (!asking.has(view)) return;
    const subscribers = [...this.#asking];
    this.#asking.clear();
    this.#reading = true;
    void this.#run(subscribers);
  }

  async #run(subscribers: readonly Subscriber<T>[]): Promise<void> {
    const want: BatchForms = {
      values: subscribers.some((subscriber) => subscriber.form === 'values'),
      json: subscribers.some((subscriber) => subscriber.form === 'json'),
    };
    try {
      for await (const batch of this.#source.openBatches(want)) {
        const staying = subscribers.filter((subscriber) => !subscriber.left);
        if (staying.length === 0) break;
        await Promise.all(staying.map((subscriber) => subscriber.put(batch)));
      }
      await Promise.all(subscribers.map((subscriber) => subscriber.put(undefined)));
    } catch (error) {
      for (const subscriber of subscribers) subscriber.fail(error);
    } finally {
      this.#reading = false;
      this.#startWhenAllAsk();
    }
  }
}

/** One reader's view of a {@link SharedReads}: a {@link Rereadable} whose reads are shared. */
export class SharedReader<T> implements Rereadable<T> {
  readonly #shared: SharedReads<T>;

  constructor(shared: SharedReads<T>) {
    this.#shared = shared;
  }

  get count(): number {
    return this.#shared.count;
  }

  open(): AsyncIterable<readonly T[]> {
    return this.#shared.read(this, 'values') as AsyncIterable<readonly T[]>;
  }

  openJson(): AsyncIterable<JsonLines> {
    return this.#shared.read(this, 'json') as AsyncIterable<JsonLines>;
  }

  /** Not shared: a read in both forms is the source's own (no renderer asks for one). */
  openBatches(want: BatchForms): AsyncIterable<Batch<T>> {
    return this.#shared.source.openBatches(want);
  }

  /** This reader will read no more; reads no longer wait for it. */
  done(): void {
    this.#shared.finish(this);
  }
}

/**
 * One reader's place in a shared read: holds at most one batch it has not taken yet, so the read
 * waits (in {@link Subscriber.put}) for the slowest reader.
 */
class Subscriber<T> {
  left = false;
  #slot: { batch: Batch<T> | undefined } | undefined;
  #error: { error: unknown } | undefined;
  /** Resolved when the reader wants the next batch. */
  #taker: (() => void) | undefined;
  /** Resolved when a batch (or the end) is in the slot. */
  #giver: (() => void) | undefined;

  constructor(
    readonly view: SharedReader<T>,
    readonly form: keyof BatchForms,
  ) {}

  /** Hands over a batch (`undefined`: the end), once the previous one was taken or the reader left. */
  async put(batch: Batch<T> | undefined): Promise<void> {
    while (this.#slot !== undefined && !this.left)
      await new Promise<void>((resolve) => (this.#taker = resolve));
    if (this.left) return;
    this.#slot = { batch };
    this.#wake('giver');
  }

  /** The next batch, or `undefined` at the end. */
  async take(): Promise<Batch<T> | undefined> {
    while (this.#slot === undefined) {
      if (this.#error !== undefined) throw this.#error.error;
      await new Promise<void>((resolve) => (this.#giver = resolve));
    }
    const { batch } = this.#slot;
    this.#slot = undefined;
    this.#wake('taker');
    return batch;
  }

  fail(error: unknown): void {
    this.#error = { error };
    this.#wake('giver');
  }

  leave(): void {
    this.left = true;
    this.#slot = undefined;
    this.#wake('taker');
  }

  #wake(which: 'giver' | 'taker'): void {
    const wake = which === 'giver' ? this.#giver : this.#taker;
    if (which === 'giver') this.#giver = undefined;
    else this.#taker = undefined;
    wake?.();
  }
}
