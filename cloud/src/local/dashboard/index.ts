export { Dashboard, type DashboardClock, type DashboardOptions } from './dashboard.js';
export { DashboardState, type DoorTile, type StreamItem } from './dashboard-state.js';
export { SqliteKnownDoors } from './door-store.js';
export { type FigurePoint, FiguresTracker } from './figures.js';
export { CloudMetrics } from './metrics.js';
export {
  type DashboardRoute,
  type DashboardSignal,
  type DashboardSources,
  type DeadLetterList,
  type DeadLetterView,
  type DoorDirectory,
  ERROR_REASONS,
  type ErrorReason,
  type RouteHandler,
} from './types.js';
