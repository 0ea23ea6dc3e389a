import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http, toApiError, ApiError } from '../api/http'
import type { VisitDetailDto, VisitSummaryDto } from '../api/types'
import { useLiveLoad } from './liveLoad'

export const useVisitsStore = defineStore('visits', () => {
  const byId = ref(new Map<string, VisitSummaryDto>())
  const live = useLiveLoad()
  /** Closing is final: a late push or an older snapshot that still says "active" must not reopen a visit here. */
  const closed = new Set<string>()
  const names = new Map<string, string>()

  const active = computed(() =>
    [...byId.value.values()].filter((v) => v.status === 'active').sort((a, b) => b.openedAt.localeCompare(a.openedAt)),
  )
  const lockedCount = computed(() => active.value.filter((v) => v.activeTapId).length)

  function load() {
    return live.load(
      () => http.get<VisitSummaryDto[]>('/api/visits?status=active'),
      (visits) => {
        for (const v of visits) names.set(v.id, v.guestName)
        byId.value = new Map(visits.filter((v) => v.status === 'active' && !closed.has(v.id)).map((v) => [v.id, v]))
      },
    )
  }

  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
  }

  function applyVisit(v: VisitSummaryDto) {
    names.set(v.id, v.guestName)
    if (closed.has(v.id)) return
    if (v.status === 'closed') {
      closed.add(v.id)
      byId.value.delete(v.id)
      return
    }
    const existing = byId.value.get(v.id)
    // Poured volume never goes down: a push with less is older than what is shown.
    if (existing && v.pouredVolumeMl < existing.pouredVolumeMl) return
    byId.value.set(v.id, v)
  }

  function nameOf(visitId: string): string | undefined {
    return names.get(visitId)
  }

  async function detail(visitId: string): Promise<VisitDetailDto> {
    const visit = await http.get<VisitDetailDto>(`/api/visits/${visitId}`)
    applyVisit(visit)
    return visit
  }

  /** Runs a visit action, then re-reads the visit so the list shows the committed result (the push may come later). */
  async function act(visitId: string, action: string, body: unknown): Promise<{ ok: true } | { ok: false; error: ApiError }> {
    try {
      await http.post(`/api/visits/${visitId}/${action}`, body)
    } catch (e) {
      return { ok: false, error: toApiError(e) }
    }
    try {
      await detail(visitId)
    } catch {
      // The action succeeded; the push or the next reload will show it.
    }
    return { ok: true }
  }

  return {
    byId, active, lockedCount, status: live.status, error: live.error, refreshing: live.refreshing,
    load, ensureLoaded, nameOf, detail,
    topUp: (id: string, amount: number) => act(id, 'top-up', { amount }),
    refund: (id: string, amount: number) => act(id, 'refund', { amount }),
    close: (id: string) => act(id, 'close', {}),
    reconcile: (id: string, pourSessionId: string, volumeMl: number, comment: string) =>
      act(id, 'reconcile-pour', { pourSessionId, volumeMl, comment }),
    forceUnlock: (id: string, comment: string) => act(id, 'force-unlock', { comment }),
    onVisitUpdated: (v: VisitSummaryDto) => live.push(() => applyVisit(v)),
  }
})
