// Why an Uploads API call cannot act on an upload, as the OpenAI-shaped error a client gets. Pure.
import { badRequest, GatewayError, notFound } from '#lambda/http/errors';
import type { UploadRecord } from '#lambda/store/uploads';
import { uploadStatusOf } from './objects';

export type UploadAction = 'add a part to' | 'complete' | 'cancel';

export const noSuchUpload = (id: string) => notFound(`No such Upload object: ${id}`, 'upload_id');

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The error for acting on `upload` (as currently stored, or null when gone) when it was not pending. */
export function uploadStateError(id: string, upload: UploadRecord | null, action: UploadAction, now: number): GatewayError {
  if (!upload) return noSuchUpload(id);
  switch (uploadStatusOf(upload, now)) {
    case 'completed':
      return badRequest(
        `Cannot ${action} upload ${id}: it is already completed (file ${upload.fileId}).`,
        'upload_id',
        'upload_already_completed',
      );
    case 'cancelled':
      return badRequest(`Cannot ${action} upload ${id}: it was cancelled.`, 'upload_id', 'upload_cancelled');
    case 'expired':
      return badRequest(
        `Cannot ${action} upload ${id}: it expired at ${iso(upload.expiresAt)} (uploads accept parts for one hour). Create a new upload.`,
        'upload_id',
        'upload_expired',
      );
    case 'pending':
      if (upload.status === 'completing') {
        return new GatewayError(
          409,
          `Cannot ${action} upload ${id}: another request is completing it right now. Retry in a few seconds.`,
          'invalid_request_error',
          'upload_id',
          'upload_completing',
        );
      }
      return new GatewayError(
        409,
        `Upload ${id} changed while this request ran; retry it.`,
        'invalid_request_error',
        'upload_id',
        'upload_changed',
      );
  }
}

/** A part that would take the upload past what it may receive in total. */
export function tooManyPartBytes(id: string, received: number, partBytes: number, maxReceived: number, declared: number): GatewayError {
  return badRequest(
    `Upload ${id} was created with bytes=${declared} and has already received ${received} bytes in parts; this part (${partBytes} bytes) would take it past ${maxReceived} bytes, the most an upload may receive including re-sent parts. Complete the upload with the part_ids you want, or create a new upload.`,
    'data',
    'upload_too_large',
  );
}
