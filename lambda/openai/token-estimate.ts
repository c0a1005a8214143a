// The gateway's token approximation where no tokenizer runs (estimates, embeddings a provider does not
// count): UTF-8 bytes / 4, the figure the estimate's `approximation:utf8_bytes_div_4` names.
export const BYTES_PER_TOKEN = 4;
