import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError, http, newIdempotencyKey, query, toApiError } from '../api/http'
import type { CardPresentedMessage, CardRemovedMessage, GuestDto, OpenVisitResultDto } from '../api/types'

/** Plain words for each refusal of "Open visit and issue card"; the server's own text is shown beside it. */
export const issueCardConflicts: Record<string, string> = {
  card_bound_to_other_guest: 'This card belongs to another guest. Take a fresh card, or close the other guest’s visit first.',
  card_bound_to_another_guest: 'This card belongs to another guest. Take a fresh card, or close the other guest’s visit first.',
  card_busy: 'This card is already in use in another open visit. Take a fresh card.',
  card_in_use: 'This card is already in use in another open visit. Take a fresh card.',
  card_in_active_visit: 'This card is already in use in another open visit. Take a fresh card.',
  guest_has_active_visit: 'This guest already has an open visit. Top it up instead of opening a second one.',
  guest_already_has_active_visit: 'This guest already has an open visit. Top it up instead of opening a second one.',
  active_visit_exists: 'This guest already has an open visit. Top it up instead of opening a second one.',
  card_lost: 'This card was reported lost and cannot be used. Keep it aside and take a fresh card.',
  card_inactive: 'This card is deactivated. Take a fresh card.',
  guest_under_age: 'The guest is under the legal drinking age. Open a minor’s visit only for non-alcoholic taps.',
  underage: 'The guest is under the legal drinking age. Open a minor’s visit only for non-alcoholic taps.',
  guest_blocked: 'This guest is blocked and cannot open a visit. Ask a manager.',
  no_open_shift: 'No shift is open. A manager must open the shift first.',
  idempotency_key_reused: 'This request was already used for a different card or guest. Try again.',
  validation_failed: 'Something in the form is not valid.',
  not_found: 'The guest was not found any more. Search again.',
  forbidden: 'Your role may not do this.',
  network_error: 'The server could not be reached. Check the connection and try again; nothing was done twice.',
}

export function explainIssueCardError(error: ApiError): string {
  return issueCardConflicts[error.code] ?? 'The visit could not be opened.'
}

export const useDeskStore = defineStore('desk', () => {
  /** The last card the desk reader saw (pushed live as CardRead). */
  const lastRead = ref<CardPresentedMessage | null>(null)
  const cardOnReader = ref(false)

  function applyCardRead(m: CardPresentedMessage) {
    if (lastRead.value && m.at < lastRead.value.at) return
    lastRead.value = m
    cardOnReader.value = true
  }

  function applyCardRemoved(m: CardRemovedMessage) {
    if (!lastRead.value || m.readerId !== lastRead.value.readerId || m.at < lastRead.value.at) return
    cardOnReader.value = false
  }

  const guests = ref<GuestDto[]>([])
  const searchStatus = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  const searchError = ref<ApiError | null>(null)
  let searchGeneration = 0

  async function search(text: string) {
    const mine = ++searchGeneration
    searchStatus.value = 'loading'
    try {
      const found = await http.get<GuestDto[]>(`/api/guests${query({ search: text.trim() })}`)
      if (mine !== searchGeneration) return
      const needle = text.trim().toLowerCase()
      guests.value = needle ? found.filter((g) => g.name.toLowerCase().includes(needle) || g.phone?.includes(needle) || g.email?.toLowerCase().includes(needle)) : found
      searchStatus.value = 'ready'
      searchError.value = null
    } catch (e) {
      if (mine !== searchGeneration) return
      searchError.value = toApiError(e)
      searchStatus.value = 'error'
    }
  }

  async function createGuest(body: { name: string; dateOfBirth: string; phone?: string; email?: string }): Promise<GuestDto | ApiError> {
    try {
      const guest = await http.post<GuestDto>('/api/guests', body)
      guests.value = [guest, ...guests.value.filter((g) => g.id !== guest.id)]
      return guest
    } catch (e) {
      return toApiError(e)
    }
  }

  /** One key per guest+card attempt: a double click or a retry after a network error cannot open two visits. */
  let pendingKey: { guestId: string; cardUid: string; key: string } | null = null

  async function openVisitAndIssueCard(guestId: string, cardUid: string): Promise<OpenVisitResultDto | ApiError> {
    if (!pendingKey || pendingKey.guestId !== guestId || pendingKey.cardUid !== cardUid) {
      pendingKey = { guestId, cardUid, key: newIdempotencyKey() }
    }
    try {
      const result = await http.post<OpenVisitResultDto>('/api/visits/open-and-assign-card', { guestId, cardUid, idempotencyKey: pendingKey.key })
      pendingKey = null
      return result
    } catch (e) {
      const error = toApiError(e)
      if (error.status !== 0) pendingKey = null
      return error
    }
  }

  return {
    lastRead, cardOnReader, guests, searchStatus, searchError,
    search, createGuest, openVisitAndIssueCard,
    onCardRead: applyCardRead,
    onCardRemoved: applyCardRemoved,
  }
})
