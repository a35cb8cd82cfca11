/**
 * Thrown by a job handler whose work must wait (a quota is spent for this minute): the job goes
 * back to the queue, delayed until `until`, without counting as a failed attempt.
 */
export class HoldJobUntil extends Error {
  override readonly name = 'HoldJobUntil';
  constructor(
    readonly until: number,
    reason: string,
  ) {
    super(reason);
  }
}
