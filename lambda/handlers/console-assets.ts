// GET /console and /console/{asset} — the web console's page and assets (lambda/console/assets.ts),
// without a gateway key: they hold no data. Deployed, the files sit next to this handler in its bundle
// (console/build.ts runs after bundling, lib/console/web-console.ts); the local gateway builds them into
// its data folder and names it in FINOPS_CONSOLE_ASSETS_DIR.
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadConsoleFiles, serveConsole, type ConsoleFiles } from '#lambda/console/assets';

let files: ConsoleFiles | undefined;
let filesDir: string | undefined;

function consoleFiles(): ConsoleFiles {
  const dir = process.env.FINOPS_CONSOLE_ASSETS_DIR || join(__dirname, 'console');
  if (!files || filesDir !== dir) {
    files = loadConsoleFiles(dir);
    filesDir = dir;
  }
  return files;
}

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const header = (name: string) => Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
  const response = serveConsole(consoleFiles(), {
    path: event.path,
    asset: event.pathParameters?.asset ?? null,
    acceptEncoding: header('accept-encoding'),
  });
  return { statusCode: response.statusCode, headers: response.headers, body: response.body.toString('base64'), isBase64Encoded: true };
};
