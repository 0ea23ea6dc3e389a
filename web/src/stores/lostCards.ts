import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http, query } from '../api/http'
import type { LostCardDto } from '../api/types'
import { attempt } from './result'
import { useLiveLoad } from './liveLoad'

/** Plain words for the lost-card refusals. */
export const lostCardExplanations: Record<string, string> = {
  invalid_card_uid: 'The card number is not valid (8, 14 or 20 hex digits).',
  not_found: 'No such card is known here.',
  card_already_lost: 'This card is already reported lost.',
  lost_card_already_cleared: 'Someone cleared this report already.',
  validation_failed: 'A comment is required.',
  forbidden: 'Only a manager may clear a lost card.',
  network_error: 'The server could not be reached; try again.',
}

export const useLostCardsStore = defineStore('lostCards', () => {
  const byId = ref(new Map<string, LostCardDto>())
  const live = useLiveLoad()
  const all = computed(() => [...byId.value.values()].sort((a, b) => b.reportedAt.localeCompare(a.reportedAt)))
  const open = computed(() => all.value.filter((c) => !c.clearedAt))
  const cleared = computed(() => all.value.filter((c) => c.clearedAt))

  function load() {
    return live.load(
      () => http.get<LostCardDto[]>(`/api/lost-cards${query({})}`),
      (cards) => {
        // Clearing is final: a snapshot read before the clear must not show the card blocked again.
        byId.value = new Map(cards.map((c) => {
          const known = byId.value.get(c.id)
          return [c.id, known?.clearedAt && !c.clearedAt ? known : c]
        }))
      },
    )
  }

  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
  }

  function apply(card: LostCardDto) {
    const existing = byId.value.get(card.id)
    if (existing?.clearedAt && !card.clearedAt) return
    byId.value.set(card.id, card)
  }

  async function report(uid: string, reason?: string) {
    const r = await attempt(() => http.post<LostCardDto>(`/api/cards/${encodeURIComponent(uid)}/lost`, { reason: reason || undefined }))
    if (r.ok) apply(r.value)
    return r
  }

  async function clear(id: string, comment: string) {
    const r = await attempt(() => http.post<LostCardDto>(`/api/lost-cards/${id}/clear`, { comment }))
    if (r.ok) apply(r.value)
    return r
  }

  return { byId, all, open, cleared, status: live.status, error: live.error, load, ensureLoaded, report, clear }
})
