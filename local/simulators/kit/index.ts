// The simulator kit: what every provider simulator under local/simulators/ is built from.
//
//   http.ts    HttpError (subclass it with the provider's fields), sendJson, readBody (bounded, the
//              provider's 413), discard, header
//   routes.ts  route(method, pattern, handler), matchRoute, allowedMethods (404 vs 405), canonicalPath
//   server.ts  serveSimulator: the loopback server, faults first, provider-shaped errors, clean close
//   ../simulator.ts  FaultInjector (the fault knobs and /__control/faults) and the simulator interface
//
// A simulator is split in three: its account (the state: files, batches, their lifecycle), its routes
// (the HTTP table: path, method, parameters, body → a call on the account) and its behaviour (what a
// request line of a batch answers). See local/simulators/openai/ for the shape.
export { HttpError, discard, header, readBody, sendJson, type SendJson } from './http';
export { allowedMethods, canonicalPath, matchRoute, route, type PathParams, type Route, type RouteMatch } from './routes';
export { serveSimulator, type SimulatorServer, type SimulatorServerOptions } from './server';
export { FaultInjector, type FaultKind, type FaultRule, type RunningSimulator, type SimulatorOptions } from '#local/simulators/simulator';
