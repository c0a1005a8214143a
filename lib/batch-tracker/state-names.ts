// State names of the batch tracker, shared by the definition and the local runner. They are what an
// operator reads in the Step Functions console, so they say what happens.
export const TrackerState = {
  prepareInput: 'Prepare input',
  submit: 'Submit to provider',
  isSubmitted: 'Was the batch submitted?',
  waitToSubmit: 'Wait before submitting again',
  checkStatus: 'Check batch status',
  isDone: 'Is the batch done?',
  wait: 'Wait before next check',
  collectResults: 'Collect results',
  isCollected: 'Were the results collected?',
  waitToCollect: 'Wait before collecting again',
  announceFinished: 'Announce batch finished',
  finished: 'Batch finished',
  markFailed: 'Mark batch failed',
  announceFailed: 'Announce tracking failure',
  trackingFailed: 'Tracking failed',
} as const;

/** EventBridge source and detail-type of the event put when a batch reaches a terminal state. */
export const BATCH_EVENT_SOURCE = 'finops.batch-gateway';
export const BATCH_EVENT_DETAIL_TYPE = 'Batch Finished';
