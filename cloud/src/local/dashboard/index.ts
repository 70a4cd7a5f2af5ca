export { Dashboard, type DashboardClock, type DashboardOptions } from './dashboard.js';
export { DashboardState, type DoorTile, type StreamItem } from './dashboard-state.js';
export { type FigurePoint, FiguresTracker } from './figures.js';
export { CloudMetrics } from './metrics.js';
export {
  type DashboardRoute,
  type DashboardSignal,
  type DashboardSources,
  type DeadLetterView,
  ERROR_REASONS,
  type ErrorReason,
  type RouteHandler,
} from './types.js';
