// `npm start`: the gateway on this machine, with a banner that says where everything is.
import { startLocalGateway, DEFAULT_DEV_KEY } from './gateway';

async function main(): Promise<void> {
  // The seed's Bedrock workflows name the placeholder bucket "your-s3-bucket"; locally (stand-in S3) it
  // is allowed unless FINOPS_ALLOWED_BUCKETS says otherwise, so they run unchanged.
  process.env.FINOPS_ALLOWED_BUCKETS ??= 'your-s3-bucket';
  const gateway = await startLocalGateway({ log: console.log });
  const consoleBuild = await gateway.buildConsole();
  const consoleKb = (consoleBuild.files.reduce((sum, f) => sum + f.gzipBytes, 0) / 1000).toFixed(0);
  const lines = [
    '',
    'FinOps Batch Gateway (local)',
    `  OpenAI base URL : ${gateway.baseURL}`,
    `  Web console     : ${gateway.consoleURL}  (sign in with an API key below; ${consoleKb} kB gzipped)`,
    `  API key(s)      : ${gateway.apiKeys.map((k) => (k === DEFAULT_DEV_KEY ? `${k} (default dev key; set FINOPS_API_KEYS to change)` : k)).join(', ')}`,
    `  Data            : ${gateway.dataDir}`,
    '  Providers:',
    ...gateway.providers.map((p) => `    ${p.provider.padEnd(10)} ${p.mode.padEnd(9)} ${p.url}`),
    '',
    `  Try: OPENAI_BASE_URL=${gateway.baseURL} OPENAI_API_KEY=${gateway.apiKeys[0]} node your-script.js`,
    '  Ctrl+C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
  const stop = async () => {
    await gateway.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error('The local gateway could not start:', err);
  process.exit(1);
});
