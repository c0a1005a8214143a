/** The gateway key the local gateway accepts when FINOPS_API_KEYS is unset (documented in the README). */
export const DEFAULT_DEV_KEY = 'sk-finops-local-dev';
