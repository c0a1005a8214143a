// How every gateway function is bundled, in one place: the esbuild options NodejsFunction gets
// (lib/gateway-function.ts), the same options as esbuild's own (bench/bundles.ts, test/infra/bundles.test.ts
// build with them), and the files the after-bundling step puts beside index.js.
//
// What a bundle weighed and why (esbuild metafile, issue 14): every function bundles the AWS SDK, and
// each function that reaches the provider registry also bundled every provider's SDK (@anthropic-ai/sdk
// 0.43 MB, openai 0.16 MB, google-auth-library and its fetch stack 0.25 MB, the two Bedrock clients
// 0.17 MB), although one batch only ever talks to one provider. So:
// - `mainFields: module, main`: the AWS SDK v3 and Smithy packages ship ES modules (dist-es) that esbuild
//   can tree-shake, where their CommonJS builds (dist-cjs, the `main` default on platform node) bring
//   every command and schema of a client (files-list 1.07 → 0.78 MB).
// - The provider SDKs are left out of index.js and built, each as one minified file, into node_modules/
//   beside it, where Node's `require` finds them (providerSdkCommands): the registry (lambda/providers/registry.ts) loads an
//   adapter, and so its SDK, on the first call for that provider. One copy of each SDK per function, so
//   `instanceof APIError` between an adapter and its SDK holds as before.
// - The AWS SDK's credential providers other than the environment's (SSO, shared files, process, web
//   identity, container HTTP: 0.10 MB with the STS/SSO clients they use) sit beside it the same way:
//   Lambda puts the role's credentials in the environment, so the SDK's chain never imports them there.
// - The rest of the AWS SDK stays in index.js (and the Bedrock clients beside it come from the lock file too), although the Lambda Node.js 22 runtime ships AWS SDK v3 ("Your code runs
//   in an environment that includes the AWS SDK for JavaScript", docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html):
//   that copy is "a specific minor version of the AWS SDK — not the latest", changed by the runtime, not
//   by our lock file, and the SDK's own Lambda guide says to bundle it for production (aws/aws-sdk-js-v3,
//   guides/lambda: mintlify.wiki/aws/aws-sdk-js-v3/guides/lambda).
//   Taking it from the runtime would save ≈ 0.6 MB a function but not load time (the runtime loads it
//   from many files), and the code would run client versions no test ran.
import { ENCODINGS_DIR, TOKENIZER_ENCODINGS } from '#contracts/bundles';

/**
 * The client libraries only one provider's adapter uses (Anthropic; OpenAI and the OpenAI-shaped ones
 * with Azure; Vertex's service-account tokens; Bedrock): a function loads each on the first call for its
 * provider, never with index.js.
 */
export const PROVIDER_SDKS = [
  '@anthropic-ai/sdk',
  'openai',
  'google-auth-library',
  '@aws-sdk/client-bedrock',
  '@aws-sdk/client-bedrock-runtime',
] as const;

/**
 * The AWS SDK's credential providers other than the environment's: the SDK's default chain imports each
 * only when the ones before it found nothing, and in Lambda the environment always holds the role's
 * credentials, so a function never loads them. They sit beside index.js like the provider SDKs.
 */
export const CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
] as const;

/** Everything a function loads on first use from node_modules/ beside index.js. */
export const BESIDE_PACKAGES = [...PROVIDER_SDKS, ...CREDENTIAL_PROVIDERS] as const;

/** What NODE_OPTIONS a function runs with: stack traces point at the TypeScript sources via the source map. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/** The esbuild options of a function's index.js (NodejsFunction adds entry, outfile, bundle and platform node). */
export const FUNCTION_ESBUILD = {
  target: 'node22',
  format: 'cjs',
  minify: true,
  /** A source map beside index.js, without the sources: NODE_OPTIONS reads it for stack traces. */
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: [...BESIDE_PACKAGES],
} as const;

/** The SDKs whose client is their default export (`import Anthropic from '@anthropic-ai/sdk'`); the others have named exports only. */
const DEFAULT_EXPORTS: ReadonlySet<string> = new Set(['@anthropic-ai/sdk', 'openai']);

/**
 * Shell commands that put each provider SDK index.js names (`require("openai")`) into node_modules/
 * beside it, where `require` finds it: one minified CommonJS file built from an entry that re-exports
 * the package, resolved as index.js resolves its own imports (ES module builds first, tree-shaken; an
 * ES module's `__esModule` marker, so the adapters' default and named imports read what they read when
 * the SDK was inside). Bundles that name none get nothing.
 */
export function providerSdkCommands(inputDir: string, outputDir: string): string[] {
  const esbuild = `"${inputDir}/node_modules/.bin/esbuild"`;
  const options = `--bundle --minify --platform=node --target=${FUNCTION_ESBUILD.target} --format=cjs --main-fields=${FUNCTION_ESBUILD.mainFields.join(',')} --log-level=warning`;
  return BESIDE_PACKAGES.map((name) => {
    const entry = `export * from '${name}';${DEFAULT_EXPORTS.has(name) ? ` export { default } from '${name}';` : ''}`;
    const build = `(cd "${inputDir}" && printf '%s' "${entry}" | ${esbuild} ${options} --outfile="${outputDir}/node_modules/${name}/index.js")`;
    return `if grep -qE '(require|import)\\("${name}"\\)' "${outputDir}/index.js"; then ${build}; fi`;
  });
}

/**
 * Shell commands that put each tokenizer encoding beside a bundle that counts tokens (it names
 * ENCODINGS_DIR; lambda/finops/tokens.ts loads them from there on first use), as its own minified file
 * built by the same esbuild. Other bundles get nothing.
 */
export function encodingCommands(inputDir: string, outputDir: string): string[] {
  const esbuild = `"${inputDir}/node_modules/.bin/esbuild"`;
  const builds = TOKENIZER_ENCODINGS.map(
    (name) =>
      `${esbuild} "${inputDir}/node_modules/gpt-tokenizer/cjs/encoding/${name}.js" --bundle --minify --platform=node --target=node22 --format=cjs --log-level=warning --outfile="${outputDir}/${ENCODINGS_DIR}/${name}.js"`,
  );
  return [`if grep -q "${ENCODINGS_DIR}" "${outputDir}/index.js"; then ${builds.join(' && ')}; fi`];
}

/** Every after-bundling step of a gateway function: what it loads on first use, beside index.js. */
export function besideCommands(inputDir: string, outputDir: string): string[] {
  return [...encodingCommands(inputDir, outputDir), ...providerSdkCommands(inputDir, outputDir)];
}
