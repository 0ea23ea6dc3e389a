import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http, query } from '../api/http'
import type { PosOutboxEntryDto } from '../api/types'
import { attempt } from './result'
import { debounce, useLiveLoad } from './liveLoad'

export type PosQueue = 'pending' | 'failed' | 'dead' | 'done'

/** Which queue an entry is shown in: failed = pending with at least one failed attempt; done = sent or settled by hand. */
export function queueOf(e: PosOutboxEntryDto): PosQueue {
  if (e.status === 'dead') return 'dead'
  if (e.status === 'sent' || e.status === 'manual_done') return 'done'
  return e.attempts > 0 && e.lastError ? 'failed' : 'pending'
}

export const posExplanations: Record<string, string> = {
  pos_entry_not_retryable: 'Only a dead entry, or a pending one that has failed, can be retried.',
  pos_entry_already_settled: 'This entry is already delivered or settled.',
  validation_failed: 'A comment is required (at most 500 characters).',
  not_found: 'This entry no longer exists.',
  network_error: 'The server could not be reached; try again.',
}

/** The fallback re-read of the outbox: pushes keep it live, this only heals a missed one. */
export const posFallbackPollMs = 60_000

export const usePosStore = defineStore('pos', () => {
  const byId = ref(new Map<number, PosOutboxEntryDto>())
  const live = useLiveLoad()
  const all = computed(() => [...byId.value.values()].sort((a, b) => b.id - a.id))
  const byQueue = computed(() => {
    const q: Record<PosQueue, PosOutboxEntryDto[]> = { pending: [], failed: [], dead: [], done: [] }
    for (const e of all.value) q[queueOf(e)].push(e)
    return q
  })

  function load() {
    return live.load(
      () => http.get<PosOutboxEntryDto[]>(`/api/pos/outbox${query({ limit: 500 })}`),
      (entries) => {
        byId.value = new Map(entries.map((e) => [e.id, e]))
      },
    )
  }

  async function retry(id: number) {
    const r = await attempt(() => http.post<PosOutboxEntryDto>(`/api/pos/outbox/${id}/retry`))
    if (r.ok) byId.value.set(r.value.id, { ...r.value, guestName: r.value.guestName ?? byId.value.get(r.value.id)?.guestName })
    return r
  }

  async function markDone(id: number, comment: string) {
    const r = await attempt(() => http.post<PosOutboxEntryDto>(`/api/pos/outbox/${id}/mark-done`, { comment }))
    if (r.ok) byId.value.set(r.value.id, { ...r.value, guestName: r.value.guestName ?? byId.value.get(r.value.id)?.guestName })
    return r
  }

  /** Deliveries that failed or gave up: the nav shows them as a badge. */
  const failingCount = computed(() => byQueue.value.failed.length + byQueue.value.dead.length)

  // Live from the PosOutboxChanged push (sent after every outbox write, delivery, failure, retry and mark-done): it
  // reloads the list. A slow re-read stays only as a fallback for a push lost while the hub reconnects.
  const reloadSoon = debounce(() => void load(), 300)
  let timer: ReturnType<typeof setInterval> | undefined
  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
    timer ??= setInterval(() => {
      if (live.status.value !== 'loading') void load()
    }, posFallbackPollMs)
  }
  function onPosOutboxChanged() {
    if (live.status.value !== 'idle') reloadSoon()
  }
  function stopPolling() {
    if (timer) clearInterval(timer)
    timer = undefined
  }

  return { byId, all, byQueue, failingCount, stopPolling, onPosOutboxChanged, status: live.status, error: live.error, refreshing: live.refreshing, load, ensureLoaded, retry, markDone }
})
