// Where a Bedrock file may live: the stack's region or one of the regions jobs may run in.
import { loadConfig } from '#lambda/config';
import { GatewayError } from '#lambda/http/errors';
import { filePlacement } from '#lambda/providers/bedrock/s3-locations';

const config = (regions?: string) =>
  loadConfig({
    AWS_REGION: 'us-east-1',
    FINOPS_ALLOWED_BUCKETS: 'team-bucket',
    ...(regions === undefined ? {} : { FINOPS_BEDROCK_REGIONS: regions }),
  });
const storage = (region: string) => ({ bucket: 'team-bucket', region, prefix: 'in' });

describe('filePlacement and FINOPS_BEDROCK_REGIONS', () => {
  it.each([
    [undefined, 'us-east-1', true],
    [undefined, 'us-west-2', false],
    ['us-east-1,us-west-2', 'us-west-2', true],
    ['us-west-2', 'us-east-1', true], // the stack's own region is always allowed
    ['us-west-2', 'eu-west-1', false],
    ['*', 'ap-southeast-2', true],
  ] as const)('regions %s, bucket in %s → allowed %s', (regions, region, allowed) => {
    const place = () => filePlacement(config(regions), 'tenant', 'file-1', 'in.jsonl', storage(region));
    if (allowed) expect(place()).toEqual({ bucket: 'team-bucket', key: 'in/tenant/file-1/in.jsonl' });
    else {
      expect(place).toThrow(GatewayError);
      expect(place).toThrow(/runs Bedrock jobs only in .*bedrockJobRegions/);
    }
  });
});
