import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http, toApiError, ApiError } from '../api/http'
import type { CloseAllVisitsPreviewDto, CloseAllVisitsResult, PaymentMethod, VisitDetailDto, VisitSummaryDto } from '../api/types'
import { useLiveLoad } from './liveLoad'

/** Plain words for every refusal of top-up, refund and close (docs/API_REFERENCE.md, "Visits"). */
export const visitActionExplanations: Record<string, string> = {
  visit_has_pending_sync: 'A pour on this visit is not settled yet (its charge is still to come). A manager must reconcile it first.',
  visit_pouring: 'The card is pouring at a tap right now; its maximum is reserved. Wait for the pour to finish.',
  visit_closed: 'This visit is already closed.',
  insufficient_balance: 'The refund is larger than the balance.',
  validation_failed: 'Enter an amount above 0 and at most 10 000, with at most 2 decimals.',
  malformed_json: 'Enter a number.',
  not_found: 'This visit no longer exists.',
  forbidden: 'Your role may not do this.',
  network_error: 'The server could not be reached; try again.',
  no_open_shift: 'No shift is open, so the desk takes and gives back no money. A manager opens the shift first (banner at the top).',
  limit_not_higher: 'The new limit must be higher than the current one.',
  idempotency_key_reused: 'This close was already sent with other settings; start again.',
}

/** A visit within this share of its volume limit is marked "near limit". */
export const nearLimitShare = 0.8

export function nearLimit(v: Pick<VisitSummaryDto, 'pouredVolumeMl' | 'volumeLimitMl'>): boolean {
  return v.volumeLimitMl > 0 && v.pouredVolumeMl >= v.volumeLimitMl * nearLimitShare
}

export function limitReached(v: Pick<VisitSummaryDto, 'pouredVolumeMl' | 'volumeLimitMl'>): boolean {
  return v.volumeLimitMl > 0 && v.pouredVolumeMl >= v.volumeLimitMl
}

/** Searches closed (or all) visits: by guest or card, one guest, a day range (GET /api/visits). */
export function searchVisits(query: { status?: 'active' | 'closed'; search?: string; guestId?: string; from?: string; to?: string }) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v)
  return http.get<VisitSummaryDto[]>(`/api/visits?${params}`)
}

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
    const result = await http.get<VisitDetailDto>(`/api/visits/${visitId}`)
    // Through the push path: a list snapshot still in flight must not drop what this read saw.
    live.push(() => applyVisit(result.visit))
    return result
  }

  /** Runs a visit action, then re-reads the visit so the list shows the committed result (the push may come later). */
  async function act<T = unknown>(visitId: string, action: string, body: unknown, done?: (value: T) => void): Promise<{ ok: true; value: T } | { ok: false; error: ApiError }> {
    let value: T
    try {
      value = await http.post<T>(`/api/visits/${visitId}/${action}`, body)
    } catch (e) {
      return { ok: false, error: toApiError(e) }
    }
    done?.(value)
    try {
      await detail(visitId)
    } catch {
      // The action succeeded; the push or the next reload will show it.
    }
    return { ok: true, value }
  }

  /**
   * What the desk said when it closed a visit ("Hand back 12.50 EUR in cash …"), by visit. Kept here, not in the form
   * that closed it: that form goes away with the visit as soon as the close is read back.
   */
  const closedNotes = ref(new Map<string, { guestId: string; text: string }>())
  function noteClosed(visitId: string, guestId: string, text: string) {
    closedNotes.value.set(visitId, { guestId, text })
  }

  const closeAllPreview = () => http.get<CloseAllVisitsPreviewDto>('/api/visits/close-all')

  /** One action for every active visit; the key makes a retry (a lost answer, a double click) return the first result. */
  async function closeAll(idempotencyKey: string, paymentMethod: PaymentMethod = 'cash') {
    try {
      const result = await http.post<CloseAllVisitsResult>('/api/visits/close-all', { idempotencyKey, paymentMethod })
      for (const c of result.closed) {
        const v = byId.value.get(c.visitId)
        if (v) applyVisit({ ...v, status: 'closed', balance: 0, activeTapId: null, closedAt: result.at })
      }
      return { ok: true as const, value: result }
    } catch (e) {
      return { ok: false as const, error: toApiError(e) }
    }
  }

  return {
    byId, active, lockedCount, status: live.status, error: live.error, refreshing: live.refreshing,
    load, ensureLoaded, nameOf, detail,
    topUp: (id: string, amount: number, paymentMethod: PaymentMethod = 'cash', comment?: string) =>
      act(id, 'top-up', { amount, paymentMethod, comment: comment || undefined }),
    refund: (id: string, amount: number, paymentMethod: PaymentMethod = 'cash', comment?: string) =>
      act(id, 'refund', { amount, paymentMethod, comment: comment || undefined }),
    close: (id: string, paymentMethod: PaymentMethod = 'cash', reason?: string, note?: (refunded: number) => string) => {
      // Read before the request: the VisitUpdated push of the close may drop the visit from the list before the answer.
      const guestId = byId.value.get(id)?.guestId
      return act<{ refundedAmount: number; remainingBalance: number }>(id, 'close', { reason: reason || undefined, refundRemaining: true, paymentMethod },
        (r) => {
          if (note && guestId) noteClosed(id, guestId, note(r.refundedAmount))
        })
    },
    closeAllPreview, closeAll, closedNotes, noteClosed,
    raiseLimit: (id: string, volumeLimitMl: number, comment: string) => act(id, 'raise-limit', { volumeLimitMl, comment }),
    reconcile: (id: string, pourSessionId: string, volumeMl: number, comment: string) =>
      act(id, 'reconcile-pour', { pourSessionId, volumeMl, comment }),
    forceUnlock: (id: string, comment: string) => act(id, 'force-unlock', { comment }),
    onVisitUpdated: (v: VisitSummaryDto) => live.push(() => applyVisit(v)),
  }
})
