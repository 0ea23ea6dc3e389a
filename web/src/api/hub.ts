import { HttpTransportType, HubConnectionBuilder, LogLevel, type IRetryPolicy, type RetryContext } from '@microsoft/signalr'
import { currentVenueId } from './http'
import type { DashboardPushes } from './types'

export const dashboardHubPath = '/hubs/dashboard'

/** What the live store needs from a hub connection; the real one is @microsoft/signalr's HubConnection. */
export interface DashboardConnection {
  on<K extends keyof DashboardPushes>(name: K, handler: (payload: DashboardPushes[K]) => void): void
  start(): Promise<void>
  stop(): Promise<void>
  onreconnecting(callback: (error?: Error) => void): void
  onreconnected(callback: (connectionId?: string) => void): void
  onclose(callback: (error?: Error) => void): void
}

/** Retries forever: quickly at first, then every 10 s. A dashboard on a wall must come back by itself. */
export const retryForever: IRetryPolicy = {
  nextRetryDelayInMilliseconds(context: RetryContext): number {
    return retryDelayMs(context.previousRetryCount)
  },
}

export function retryDelayMs(previousRetryCount: number): number {
  const schedule = [0, 1000, 2000, 5000]
  return schedule[previousRetryCount] ?? 10000
}

/**
 * WebSockets straight to the hub, without SignalR's negotiate round trip (as the controllers connect): any server
 * instance behind a load balancer takes the connection, so no sticky sessions are needed (docs/OPERATIONS.md,
 * "Running several instances"). The sign-in cookie goes with the upgrade request (same origin).
 */
export function createDashboardConnection(): DashboardConnection {
  const connection = new HubConnectionBuilder()
    // The venue of the URL: the hub pushes only what concerns it (an admin without one hears the whole chain).
    .withUrl(currentVenueId() ? `${dashboardHubPath}?locationId=${encodeURIComponent(currentVenueId()!)}` : dashboardHubPath, { withCredentials: true, skipNegotiation: true, transport: HttpTransportType.WebSockets })
    .withAutomaticReconnect(retryForever)
    .configureLogging(LogLevel.Warning)
    .build()
  return connection as unknown as DashboardConnection
}

/**
 * True when the hub refused the connection because the session is gone and the error says so (a 401). A browser does
 * not show a refused WebSocket upgrade's status, so the live store also asks the REST API (GET /api/auth/me).
 */
export function isUnauthorized(error: unknown): boolean {
  const e = error as { statusCode?: number; message?: string } | undefined
  return e?.statusCode === 401 || /\b401\b/.test(e?.message ?? '')
}
