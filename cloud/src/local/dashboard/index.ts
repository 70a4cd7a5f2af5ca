export { Dashboard, type DashboardClock, type DashboardOptions } from './dashboard.js';
export { DashboardState, type DoorTile, type StreamItem } from './dashboard-state.js';
export { type FigurePoint, FiguresTracker } from './figures.js';
export { CloudMetrics } from './metrics.js';
export type {
  DashboardRoute,
  DashboardSignal,
  DashboardSources,
  DeadLetterView,
  RouteHandler,
} from './types.js';
