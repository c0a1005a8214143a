// Gemini Developer API (v1beta) wire shapes used by the Files and Batch APIs (shared/spec/gemini.md).
// Responses use proto3-JSON camelCase; int64 fields arrive as strings; timestamps are RFC 3339.

export interface GeminiPart {
  text?: string;
  /** Set on thinking-model parts that are reasoning summaries, not answer text. */
  thought?: boolean;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> };
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
  /** Gemini's opaque signature of the reasoning behind a part (Gemini 3 requires it on function calls). */
  thoughtSignature?: string;
}

export interface GeminiContent {
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

/** Gemini's `Schema`: an OpenAPI 3.0 subset (types are enum names such as STRING, OBJECT). */
export interface GeminiSchema {
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  items?: GeminiSchema;
  minItems?: string | number;
  maxItems?: string | number;
  properties?: Record<string, GeminiSchema>;
  required?: string[];
  propertyOrdering?: string[];
  anyOf?: GeminiSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: string | number;
  maxLength?: string | number;
  pattern?: string;
  default?: unknown;
  example?: unknown;
  minProperties?: string | number;
  maxProperties?: string | number;
}

export interface GeminiGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseSchema?: GeminiSchema;
  thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: 'MINIMAL' | 'LOW' | 'MEDIUM' | 'HIGH' };
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
}

export interface GeminiTool {
  functionDeclarations: GeminiFunctionDeclaration[];
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
}

export interface GenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  generationConfig?: GeminiGenerationConfig;
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
}

/** One line of a batch input file (file input). */
export interface GeminiBatchLine {
  key: string;
  request: GenerateContentRequest;
}

export interface GeminiSafetyRating {
  category: string;
  probability?: string;
  blocked?: boolean;
}

export interface GeminiCandidate {
  content?: GeminiContent;
  finishReason?: string;
  finishMessage?: string;
  index?: number;
  safetyRatings?: GeminiSafetyRating[];
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface GenerateContentResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string; safetyRatings?: GeminiSafetyRating[] };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

/** google.rpc.Status: per-line errors, Operation.error, and (with an HTTP code) API error bodies. */
export interface GoogleRpcStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<Record<string, unknown>>;
}

/** One line of a batch responses file. */
export interface GeminiResponseLine {
  key?: string;
  response?: GenerateContentResponse;
  error?: GoogleRpcStatus;
}

export interface GeminiBatchStats {
  requestCount?: string;
  successfulRequestCount?: string;
  failedRequestCount?: string;
  pendingRequestCount?: string;
}

export interface GeminiBatchOutput {
  responsesFile?: string;
  inlinedResponses?: {
    inlinedResponses?: Array<{ response?: GenerateContentResponse; error?: GoogleRpcStatus; metadata?: { key?: string } }>;
  };
}

export interface GeminiBatchMetadata {
  '@type'?: string;
  name?: string;
  model?: string;
  displayName?: string;
  state?: string;
  createTime?: string;
  updateTime?: string;
  endTime?: string;
  batchStats?: GeminiBatchStats;
  output?: GeminiBatchOutput;
  inputConfig?: { fileName?: string };
}

/** What batchGenerateContent and batches.get return: a long-running Operation around the batch. */
export interface GeminiOperation {
  name: string;
  metadata?: GeminiBatchMetadata;
  done?: boolean;
  response?: GeminiBatchOutput & { '@type'?: string };
  error?: GoogleRpcStatus;
}

export interface GeminiFile {
  name: string;
  displayName?: string;
  mimeType?: string;
  sizeBytes?: string;
  createTime?: string;
  updateTime?: string;
  expirationTime?: string;
  sha256Hash?: string;
  uri?: string;
  downloadUri?: string;
  state?: 'STATE_UNSPECIFIED' | 'PROCESSING' | 'ACTIVE' | 'FAILED';
  source?: 'SOURCE_UNSPECIFIED' | 'UPLOADED' | 'GENERATED' | 'REGISTERED';
  error?: GoogleRpcStatus;
}
