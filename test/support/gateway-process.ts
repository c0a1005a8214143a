// The local gateway as its own process, for kill -9 tests: started on a data folder given as argv[2],
// it prints one JSON line with its URLs, then serves until killed.
import { startLocalGateway } from '#local/gateway';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  const gateway = await startLocalGateway({
    port: 0,
    dataDir,
    apiKeys: ['sk-finops-test-alice'],
    simulatorStepMs: Number(process.env.SIM_STEP_MS ?? 200),
    trackerWaitMs: 40,
    trackerRetryMs: 20,
    expirySweepMs: 0,
  });
  const providers = gateway.providers.map((p) => ({ provider: p.provider, url: p.url, apiKey: p.simulator?.apiKey }));
  process.stdout.write(`${JSON.stringify({ baseURL: gateway.baseURL, providers })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
