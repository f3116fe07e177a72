/** Rows remembered per store; past this a hostile table costs no more memory, and the report says "at least". */
const MAX_ROWS = 10_000;

/**
 * Compressed transcript rows that would not decompress, left out of counts and transcripts. A poll reads a
 * row once, so they are kept here and reported among the store's problems for as long as they last: a
 * session counted again from its start notes its rows afresh, and a store that starts over forgets them.
 */
export class UnreadableRows {
  /** Session id to its unreadable rows' seqs and errors, in the order noted. */
  private readonly rows = new Map<string, Map<number, string>>();
  private size = 0;
  private full = false;

  note(sessionId: string, seq: number, error: string): void {
    const seqs = this.rows.get(sessionId) ?? new Map<number, string>();
    if (seqs.has(seq)) return;
    if (this.size >= MAX_ROWS) return void (this.full = true);
    this.rows.set(sessionId, seqs.set(seq, error));
    this.size++;
  }

  /** A session about to be read again from its start. */
  forget(sessionId: string): void {
    this.size -= this.rows.get(sessionId)?.size ?? 0;
    this.rows.delete(sessionId);
    if (!this.size) this.full = false;
  }

  reset(): void {
    this.rows.clear();
    this.size = 0;
    this.full = false;
  }

  /** One problem line naming the latest row noted, or none. */
  report(): string[] {
    const [sessionId, seqs] = [...this.rows].at(-1) ?? [];
    const [seq, error] = [...(seqs ?? [])].at(-1) ?? [];
    if (sessionId === undefined || seq === undefined) return [];
    const count = this.size === 1 ? 'left out' : `${this.full ? 'at least ' : ''}${this.size} such rows, left out`;
    return [`unreadable compressed transcript row: session ${sessionId} seq ${seq}: ${error}; ${count}`];
  }
}
