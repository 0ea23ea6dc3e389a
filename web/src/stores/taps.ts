import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http, toApiError } from '../api/http'
import type { ControllerStatusDto, KegDto, PourDeniedPush, PourProgressPush, TapDto, TapStatus } from '../api/types'
import { debounce, useLiveLoad } from './liveLoad'
import { useVisitsStore } from './visits'

interface TapStatusResult {
  tapId: string
  status: TapStatus
  stoppedPourSessionId?: string | null
}

/** Plain words for the refusals of POST /api/taps/{id}/status. */
export const tapStatusExplanations: Record<string, string> = {
  tap_has_no_keg: 'The tap has no keg with beer left. Connect a keg (Kegs view) before putting it back to active.',
  tap_has_pending_sync: 'A pour on this tap still waits for its sync. A manager must reconcile or force-unlock it first (Visits view).',
  validation_failed: 'Only active, locked and cleaning can be set by hand.',
  not_found: 'This tap no longer exists.',
  network_error: 'The server could not be reached; try again.',
}

/** What staff should do about a denial, by reason: shown on the tap card under the reason. */
export const denialAdvice: Record<string, string> = {
  insufficient_balance: 'Balance too low: top up at the desk.',
  card_in_use: 'The card is pouring on another tap: finish there first.',
  card_lost: 'Card reported lost: keep the card and call a manager.',
  visit_limit_reached: 'Visit volume limit reached: raise the limit only if the guest may drink more.',
  no_open_shift: 'No shift is open: a manager opens the shift.',
  unknown_card: 'This card was never issued: issue it at the desk.',
  card_inactive: 'This card is not in a visit: issue it at the desk.',
  no_active_visit: 'No open visit for this card: open one at the desk.',
  tap_not_active: 'This tap is locked, cleaning or busy: set it back to active.',
  out_of_keg: 'The keg is empty: connect a new keg (Kegs view).',
  age_restricted: 'The guest is under age: only non-alcoholic beer.',
  guest_blocked: 'The guest is blocked: see a manager.',
  tap_not_assigned: 'The tap is not assigned to this controller: check the controller set-up.',
}

/** How many pours the recent-pours feed shows. */
export const recentShown = 20

/** How long a denial stays on its tap card. */
export const denialShownMs = 10_000

/** A pour that ended, for the recent-pours feed (newest first). */
export interface RecentPour {
  pourSessionId: string
  tapId: string
  tapName: string
  guestName: string
  visitId: string
  volumeMl: number
  endedAt: string
}

export const useTapsStore = defineStore('taps', () => {
  const byId = ref(new Map<string, TapDto>())
  const live = useLiveLoad()
  /** Pours we have seen end: a late TapUpdated or PourProgress naming one must not bring it back. */
  const endedPours = new Set<string>()
  /** Highest progress seen per pour: volumes only rise, so a lower or equal one is late or repeated. */
  const progress = new Map<string, number>()

  /** The latest denial per tap, until it expires (about 10 s). */
  const denials = ref(new Map<string, PourDeniedPush>())
  const denialTimers = new Map<string, ReturnType<typeof setTimeout>>()
  /** The last pours that ended (loaded, then live from TapUpdated), newest first (at most 20). */
  const recentPours = ref<RecentPour[]>([])

  function applyDenial(d: PourDeniedPush) {
    const shown = denials.value.get(d.tapId)
    if (shown && shown.at > d.at) return
    denials.value.set(d.tapId, d)
    const timer = denialTimers.get(d.tapId)
    if (timer) clearTimeout(timer)
    denialTimers.set(d.tapId, setTimeout(() => dismissDenial(d.tapId, d.at), denialShownMs))
  }

  function dismissDenial(tapId: string, at?: string) {
    const shown = denials.value.get(tapId)
    if (!shown || (at && shown.at !== at)) return
    denials.value.delete(tapId)
    denialTimers.delete(tapId)
  }

  /** The server's recent pours plus any this dashboard saw end that it does not list yet, newest first. */
  function mergeRecent(fromServer: RecentPour[]) {
    const known = new Set(fromServer.map((p) => p.pourSessionId))
    const localOnly = recentPours.value.filter((p) => !known.has(p.pourSessionId))
    recentPours.value = [...fromServer, ...localOnly]
      .sort((a, b) => b.endedAt.localeCompare(a.endedAt))
      .slice(0, recentShown)
  }

  function recordEnded(tap: TapDto, pour: NonNullable<TapDto['activePour']>) {
    if (recentPours.value.some((p) => p.pourSessionId === pour.pourSessionId)) return
    const volumeMl = Math.max(pour.volumeMl, progress.get(pour.pourSessionId) ?? 0)
    recentPours.value = [
      { pourSessionId: pour.pourSessionId, tapId: tap.id, tapName: tap.name, guestName: pour.guestName, visitId: pour.visitId, volumeMl, endedAt: new Date().toISOString() },
      ...recentPours.value,
    ].slice(0, recentShown)
  }

  const list = computed(() => [...byId.value.values()].sort((a, b) => a.number - b.number || a.name.localeCompare(b.name)))
  const pouringCount = computed(() => list.value.filter((t) => t.activePour).length)

  function withBestVolume(tap: TapDto): TapDto {
    const pour = tap.activePour
    if (!pour) return tap
    const seen = progress.get(pour.pourSessionId) ?? 0
    return seen > pour.volumeMl ? { ...tap, activePour: { ...pour, volumeMl: seen } } : tap
  }

  function load() {
    return live.load(
      // The feed is secondary: when only it fails, the taps still show (and the feed keeps what it had).
      () => Promise.all([http.get<TapDto[]>('/api/taps'), http.get<RecentPour[]>(`/api/pours/recent?take=${recentShown}`).catch(() => null)]),
      ([taps, recent]) => {
        for (const t of taps) if (t.activePour) endedPours.delete(t.activePour.pourSessionId)
        byId.value = new Map(taps.map((t) => [t.id, withBestVolume(t)]))
        if (recent) mergeRecent(recent)
      },
    )
  }

  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
  }

  const reloadSoon = debounce(() => void load(), 400)

  function applyTap(tap: TapDto) {
    const previous = byId.value.get(tap.id)
    if (tap.activePour && endedPours.has(tap.activePour.pourSessionId)) return
    const before = previous?.activePour
    if (before && before.pourSessionId !== tap.activePour?.pourSessionId) {
      endedPours.add(before.pourSessionId)
      if (previous) recordEnded(previous, before)
    }
    // A pour starting on the tap answers the card: its denial is over.
    if (tap.activePour && !before) dismissDenial(tap.id)
    byId.value.set(tap.id, withBestVolume(tap))
  }

  function applyPourProgress(p: PourProgressPush) {
    if (endedPours.has(p.pourSessionId)) return
    if ((progress.get(p.pourSessionId) ?? -1) >= p.volumeMl) return
    progress.set(p.pourSessionId, p.volumeMl)
    const tap = byId.value.get(p.tapId)
    if (!tap) {
      reloadSoon()
      return
    }
    if (tap.activePour?.pourSessionId === p.pourSessionId) {
      byId.value.set(tap.id, { ...tap, activePour: { ...tap.activePour, volumeMl: p.volumeMl } })
      return
    }
    // A pour this dashboard has not heard of yet (its TapUpdated is late or was missed): show it, then reload.
    const guestName = useVisitsStore().nameOf(p.visitId) ?? 'Guest'
    if (tap.activePour) endedPours.add(tap.activePour.pourSessionId)
    byId.value.set(tap.id, {
      ...tap,
      activePour: { pourSessionId: p.pourSessionId, visitId: p.visitId, guestName, volumeMl: p.volumeMl, maxVolumeMl: 0, startedAt: p.at },
    })
    reloadSoon()
  }

  function applyKeg(keg: KegDto) {
    for (const tap of byId.value.values()) {
      if (tap.kegId !== keg.id) continue
      byId.value.set(tap.id, { ...tap, kegRemainingMl: keg.remainingVolumeMl, kegNominalMl: keg.nominalVolumeMl, beerName: keg.beerName })
    }
  }

  function applyController(controller: ControllerStatusDto) {
    for (const tap of byId.value.values()) {
      const served = controller.tapIds.includes(tap.id)
      if (served && (tap.controllerId !== controller.id || tap.controllerOnline !== controller.online)) {
        byId.value.set(tap.id, { ...tap, controllerId: controller.id, controllerOnline: controller.online })
      }
    }
  }

  const changing = ref(new Set<string>())
  const actionError = ref<string | null>(null)

  async function setStatus(tapId: string, status: TapStatus, comment?: string) {
    changing.value.add(tapId)
    actionError.value = null
    try {
      await http.post<TapStatusResult>(`/api/taps/${tapId}/status`, { status, comment })
      try {
        applyTap(await http.get<TapDto>(`/api/taps/${tapId}`))
      } catch {
        // The change is committed; the TapUpdated push or the next reload shows it.
      }
      return true
    } catch (e) {
      const error = toApiError(e)
      actionError.value = tapStatusExplanations[error.code] ?? error.text
      return false
    } finally {
      changing.value.delete(tapId)
    }
  }

  return {
    byId, list, pouringCount, denials, recentPours, dismissDenial, status: live.status, error: live.error, refreshing: live.refreshing, changing, actionError,
    load, ensureLoaded, setStatus,
    onTapUpdated: (t: TapDto) => live.push(() => applyTap(t)),
    onPourProgress: (p: PourProgressPush) => live.push(() => applyPourProgress(p)),
    onKegUpdated: (k: KegDto) => live.push(() => applyKeg(k)),
    onControllerStatusChanged: (c: ControllerStatusDto) => live.push(() => applyController(c)),
    /** Denials are events, not state: applied at once, never held back by a reload. */
    onPourDenied: (d: PourDeniedPush) => applyDenial(d),
  }
})
