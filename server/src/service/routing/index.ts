/**
 * Route model and request simulator: pure functions of the workspace index, used by the route preview
 * (webview, through the language server) and by the `mesh-lint simulate` / `test-routes` commands.
 */
export { simulate } from './simulate';
export { buildRouteGraph } from './graph';
export { checkExpectation, parseRouteTests, runRouteTests } from './routetests';
export type { ExpectedDestination, RouteExpectation, RouteTestCase, RouteTestFile, RouteTestResult } from './routetests';
export type * from './types';
