import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http, toApiError } from '../api/http'
import type { ControllerStatusDto, KegDto, PourProgressPush, TapDto, TapStatus } from '../api/types'
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

export const useTapsStore = defineStore('taps', () => {
  const byId = ref(new Map<string, TapDto>())
  const live = useLiveLoad()
  /** Pours we have seen end: a late TapUpdated or PourProgress naming one must not bring it back. */
  const endedPours = new Set<string>()
  /** Highest progress seen per pour: volumes only rise, so a lower or equal one is late or repeated. */
  const progress = new Map<string, number>()

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
      () => http.get<TapDto[]>('/api/taps'),
      (taps) => {
        for (const t of taps) if (t.activePour) endedPours.delete(t.activePour.pourSessionId)
        byId.value = new Map(taps.map((t) => [t.id, withBestVolume(t)]))
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
    if (before && before.pourSessionId !== tap.activePour?.pourSessionId) endedPours.add(before.pourSessionId)
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
    byId, list, pouringCount, status: live.status, error: live.error, refreshing: live.refreshing, changing, actionError,
    load, ensureLoaded, setStatus,
    onTapUpdated: (t: TapDto) => live.push(() => applyTap(t)),
    onPourProgress: (p: PourProgressPush) => live.push(() => applyPourProgress(p)),
    onKegUpdated: (k: KegDto) => live.push(() => applyKeg(k)),
    onControllerStatusChanged: (c: ControllerStatusDto) => live.push(() => applyController(c)),
  }
})
