// Upload records → the Upload and UploadPart objects of OpenAI's Uploads API, and the status a client
// sees. Pure functions.
import type { OpenAIFile } from '#contracts/openai-types';
import type { UploadPartRecord, UploadRecord } from '#lambda/store/uploads';

export type UploadStatus = 'pending' | 'completed' | 'cancelled' | 'expired';

export interface OpenAIUpload {
  id: string;
  object: 'upload';
  bytes: number;
  created_at: number;
  expires_at: number;
  filename: string;
  purpose: string;
  status: UploadStatus;
  file: OpenAIFile | null;
}

export interface OpenAIUploadPart {
  id: string;
  object: 'upload.part';
  created_at: number;
  upload_id: string;
}

/**
 * What the client sees: a completion in progress is still `pending`, and an upload that was never
 * completed or cancelled is `expired` once its hour is over (nothing needs to run to expire it).
 */
export function uploadStatusOf(upload: Pick<UploadRecord, 'status' | 'expiresAt'>, now: number): UploadStatus {
  if (upload.status === 'completed' || upload.status === 'cancelled') return upload.status;
  return now >= upload.expiresAt ? 'expired' : 'pending';
}

export function toOpenAIUpload(upload: UploadRecord, now: number, file: OpenAIFile | null = null): OpenAIUpload {
  return {
    id: upload.id,
    object: 'upload',
    bytes: upload.bytes,
    created_at: upload.createdAt,
    expires_at: upload.expiresAt,
    filename: upload.filename,
    purpose: upload.purpose,
    status: uploadStatusOf(upload, now),
    file,
  };
}

export function toOpenAIUploadPart(part: UploadPartRecord): OpenAIUploadPart {
  return { id: part.id, object: 'upload.part', created_at: part.createdAt, upload_id: part.uploadId };
}
