export { startDashboardServer } from './dashboard-server.js';
export type { DashboardServer, DashboardServerOptions, DataSourceProvider } from './dashboard-server.js';
export { CONTENT_SECURITY_POLICY } from './security-headers.js';
export { isLoopbackHost, MIN_TOKEN_LENGTH } from './auth.js';
export { DEFAULT_HOST, DEFAULT_PORT, describeServing, resolveServeOptions, SERVE_USAGE } from './serve-options.js';
export type { ServeOptions } from './serve-options.js';
export { FleetMetrics } from './fleet-metrics.js';
export type { FleetMetricsOptions } from './fleet-metrics.js';
