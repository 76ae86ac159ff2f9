/**
 * What a batch runner throws for a batch it did not attempt because one handed over before it
 * failed (a pipelined writer thread): not a failure of this batch; the writer runs it again
 * after the failed one.
 */
export class BatchNotAttempted extends Error {
  readonly code = 'CONVLOG_BATCH_NOT_ATTEMPTED';
  constructor() {
    super('The batch was not attempted: a batch handed over before it failed.');
    this.name = 'BatchNotAttempted';
  }
}
