import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http } from '../api/http'
import type { PendingSyncDto, PendingSyncPourDto, PourProgressPush, SyncQueueChangedMessage } from '../api/types'
import { debounce, useLiveLoad } from './liveLoad'

export const useSyncStore = defineStore('sync', () => {
  const pendingSyncCount = ref<number | null>(null)
  const pours = ref<PendingSyncPourDto[]>([])
  const live = useLiveLoad()

  function load() {
    return live.load(
      () => http.get<PendingSyncDto>('/api/sync/pending'),
      (data) => {
        pendingSyncCount.value = data.pendingSyncCount
        pours.value = data.pours
      },
    )
  }

  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
  }

  const reloadSoon = debounce(() => void load(), 400)

  function applyCount(message: SyncQueueChangedMessage) {
    pendingSyncCount.value = message.pendingSyncCount
    if (message.pendingSyncCount !== pours.value.length) reloadSoon()
  }

  function applyProgress(p: PourProgressPush) {
    const index = pours.value.findIndex((x) => x.pourSessionId === p.pourSessionId)
    if (index < 0 || pours.value[index]!.volumeMl >= p.volumeMl) return
    pours.value[index] = { ...pours.value[index]!, volumeMl: p.volumeMl, lastProgressAt: p.at }
  }

  /** One number for the nav badge and the Sync view: the pours listed once loaded, the pushed count before. */
  const badgeCount = computed(() => (live.status.value === 'ready' ? pours.value.length : pendingSyncCount.value ?? 0))

  return {
    pendingSyncCount, pours, badgeCount, status: live.status, error: live.error, refreshing: live.refreshing,
    load, ensureLoaded,
    onSyncQueueChanged: (m: SyncQueueChangedMessage) => live.push(() => applyCount(m)),
    onPourProgress: (p: PourProgressPush) => live.push(() => applyProgress(p)),
  }
})
