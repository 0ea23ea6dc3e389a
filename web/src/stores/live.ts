import { defineStore } from 'pinia'
import { ref } from 'vue'
import { currentVenueId, http, toApiError } from '../api/http'
import { createDashboardConnection, isUnauthorized, retryDelayMs, type DashboardConnection } from '../api/hub'
import { batchedPushNames, type DashboardPushes, type PushBatch } from '../api/types'
import { useAlertsStore } from './alerts'
import { useControllersStore } from './controllers'
import { useDeskStore } from './desk'
import { useKegsStore } from './kegs'
import { useLocationStore } from './location'
import { usePosStore } from './pos'
import { useSessionStore } from './session'
import { useShiftStore } from './shift'
import { useSyncStore } from './sync'
import { useTapsStore } from './taps'
import { useVisitsStore } from './visits'

export type ConnectionState = 'offline' | 'connecting' | 'connected' | 'reconnecting'

/**
 * The dashboard hub connection. On every (re)connect every live slice reloads over REST; pushes that arrive during
 * the reload are applied after it (see useLiveLoad). The first start retries forever too, not only reconnects.
 */
export const useLiveStore = defineStore('live', () => {
  const state = ref<ConnectionState>('offline')
  const since = ref<Date | null>(null)
  const connectCount = ref(0)
  let connection: DashboardConnection | null = null
  let stopped = true
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  function routePushes(conn: DashboardConnection) {
    const taps = useTapsStore()
    const visits = useVisitsStore()
    const alerts = useAlertsStore()
    const sync = useSyncStore()
    const controllers = useControllersStore()
    const desk = useDeskStore()
    const shift = useShiftStore()
    const kegs = useKegsStore()
    type Single = Exclude<keyof DashboardPushes, `${string}Batch`>
    const handlers: { [K in Single]: (payload: DashboardPushes[K]) => void } = {
      TapUpdated: taps.onTapUpdated,
      PourProgress: (p) => {
        taps.onPourProgress(p)
        sync.onPourProgress(p)
      },
      AlertRaised: alerts.onAlertRaised,
      AlertUpdated: alerts.onAlertUpdated,
      VisitUpdated: visits.onVisitUpdated,
      KegUpdated: (k) => {
        taps.onKegUpdated(k)
        kegs.onKegUpdated(k)
      },
      ShiftUpdated: shift.onShiftUpdated,
      ControllerStatusChanged: (c) => {
        controllers.onControllerStatusChanged(c)
        taps.onControllerStatusChanged(c)
      },
      SyncQueueChanged: sync.onSyncQueueChanged,
      CardRead: desk.onCardRead,
      CardRemoved: desk.onCardRemoved,
      PourDenied: taps.onPourDenied,
      PosOutboxChanged: usePosStore().onPosOutboxChanged,
    }
    for (const name of Object.keys(handlers) as Single[]) {
      conn.on(name, handlers[name] as (payload: unknown) => void)
    }
    // A coalesced batch is applied item by item with the single push's rule, so a late or repeated item is handled
    // exactly as the same push sent alone would be.
    for (const name of batchedPushNames) {
      const apply = handlers[name] as (payload: unknown) => void
      conn.on(`${name}Batch`, ((batch: PushBatch<unknown> | null | undefined) => {
        for (const item of batch?.items ?? []) apply(item)
      }) as (payload: unknown) => void)
    }
  }

  /** Reloads every live slice over REST; called on each (re)connect. */
  function reloadAll() {
    return Promise.all([
      useTapsStore().load(),
      useVisitsStore().load(),
      useAlertsStore().load(),
      useSyncStore().load(),
      useControllersStore().load(),
      useShiftStore().load(),
      useLocationStore().load(),
      ...(useKegsStore().status === 'idle' ? [] : [useKegsStore().load()]),
      ...(usePosStore().status === 'idle' ? [] : [usePosStore().load()]),
    ])
  }

  function connected() {
    state.value = 'connected'
    since.value = new Date()
    connectCount.value++
    void reloadAll()
  }

  /** The WebSocket upgrade's 401 is invisible to a browser: whether the REST API says the session has ended. */
  async function sessionGone(): Promise<boolean> {
    try {
      await http.get('/api/auth/me')
      return false
    } catch (e) {
      return toApiError(e).status === 401
    }
  }

  async function tryStart(attempt: number) {
    if (stopped || !connection) return
    state.value = attempt === 0 ? 'connecting' : 'reconnecting'
    try {
      await connection.start()
      connected()
    } catch (e) {
      if (stopped) return
      if (isUnauthorized(e) || (await sessionGone())) {
        useSessionStore().expired()
        await stop()
        return
      }
      state.value = 'offline'
      since.value = new Date()
      retryTimer = setTimeout(() => void tryStart(attempt + 1), retryDelayMs(attempt + 1) || 500)
    }
  }

  /** The venue the connection was opened for (the hub pushes that venue's things only). */
  let venueOfConnection: string | null = null
  let lastFactory: () => DashboardConnection = createDashboardConnection

  async function start(factory: () => DashboardConnection = createDashboardConnection) {
    if (connection) return
    stopped = false
    lastFactory = factory
    venueOfConnection = currentVenueId()
    connection = factory()
    routePushes(connection)
    connection.onreconnecting(() => {
      state.value = 'reconnecting'
      since.value = new Date()
    })
    connection.onreconnected(() => connected())
    connection.onclose(() => {
      if (stopped) return
      // Automatic reconnect gave up or the server closed the connection: start again, forever.
      state.value = 'offline'
      since.value = new Date()
      retryTimer = setTimeout(() => void tryStart(1), retryDelayMs(1))
    })
    await tryStart(0)
  }

  async function stop() {
    stopped = true
    if (retryTimer) clearTimeout(retryTimer)
    const conn = connection
    connection = null
    state.value = 'offline'
    if (conn) await conn.stop().catch(() => undefined)
  }

  /** The URL names another venue: reconnect for it, unless the connection already hears it. */
  async function follow(venueId: string) {
    if (!connection || venueOfConnection === venueId) return
    const factory = lastFactory
    await stop()
    await start(factory)
  }

  return { state, since, connectCount, start, stop, reloadAll, follow }
})
