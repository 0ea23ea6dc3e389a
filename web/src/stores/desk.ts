import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError, http, newIdempotencyKey, query, toApiError } from '../api/http'
import type { CardPresentedMessage, CardRemovedMessage, GuestDto, OpenVisitResultDto } from '../api/types'

/** What was done, in words, from the result's steps. */
export function describeIssueResult(r: OpenVisitResultDto): string {
  const bound = r.stage === 'bound' ? `Card ${r.cardUid} bound to the guest` : `Card ${r.cardUid} was already the guest’s`
  const visit = r.visitOpened ? 'visit opened' : 'assigned to the guest’s open visit (it continues with its balance)'
  const minor = r.isMinor ? ' Minor: non-alcoholic taps only.' : ''
  return `${bound}; ${visit}.${minor}`
}

/**
 * Plain words for every refusal of "Open visit and issue card" (POST /api/visits/open-and-assign-card, checked in this
 * order on the server); the server's own text is shown beside it.
 */
export const issueCardConflicts: Record<string, string> = {
  invalid_card_uid: 'The card number is not valid: it must be 8, 14 or 20 hex digits. Read the card again.',
  validation_failed: 'Something in the request is missing or too long. Choose the guest and read the card again.',
  idempotency_key_reused: 'This attempt was already used for a different guest or card. Press the button again.',
  not_found: 'The guest was not found any more. Search again.',
  guest_blocked: 'This guest is blocked and cannot open a visit. Ask a manager.',
  card_lost: 'This card was reported lost. Keep it aside and take a fresh card (a manager can clear the report).',
  guest_has_active_visit: 'This guest already has an open visit with a card. Top that visit up instead of opening a second one.',
  card_in_active_visit: 'This card is in another guest’s open visit. Take a fresh card, or close that visit first.',
  card_bound_to_other_guest: 'This card belongs to another guest. Take a fresh card.',
  forbidden: 'Your role may not do this.',
  network_error: 'The server could not be reached. Check the connection and press again; it will not open a second visit.',
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
      guests.value = found
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
