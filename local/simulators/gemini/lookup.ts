// Route lookup as Google's simulators (Gemini, Vertex AI) need it on top of the kit's route table:
// paths are matched decoded (as the APIs' own path rules are written), a route of method ANY answers
// every other method of its path (Google looks the resource up before it says 405), and a simulator
// may refuse parameters its API would not take (an id with a ':', a job id that is not a number), so
// that the next route, or none, applies.
import { matchRoute, type PathParams, type Route, type RouteMatch } from '#local/simulators/kit/index';

export const ANY = '*';

/** The route of this method, else of ANY, whose parameters `accept` takes; undefined: no route. */
export function findRoute<H>(
  table: readonly Route<H>[],
  method: string,
  decodedPath: string,
  accept: (params: PathParams) => boolean = () => true,
): RouteMatch<H> | undefined {
  // The kit decodes the parameters it takes: keep a '%' of the decoded path a '%'.
  const escaped = decodedPath.replace(/%/g, '%25');
  const accepted = (match: RouteMatch<H> | undefined) => (match && accept(match.params) ? match : undefined);
  return accepted(matchRoute(table, method, escaped)) ?? accepted(matchRoute(table, ANY, escaped));
}
