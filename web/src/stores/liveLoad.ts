import { ref } from 'vue'
import { ApiError, toApiError } from '../api/http'

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error'

/**
 * Loading a slice over REST while hub pushes keep arriving. Pushes that arrive during a load are held and applied
 * after the snapshot, so a snapshot read before a change can never overwrite it. Overlapping loads (a reconnect
 * during a reload): only the newest answer is applied.
 */
export function useLiveLoad() {
  const status = ref<LoadStatus>('idle')
  const error = ref<ApiError | null>(null)
  const refreshing = ref(false)
  let generation = 0
  let held: (() => void)[] | null = null

  async function load<T>(fetcher: () => Promise<T>, applySnapshot: (data: T) => void): Promise<void> {
    const mine = ++generation
    held ??= []
    if (status.value === 'ready') refreshing.value = true
    else status.value = 'loading'
    let data: T
    try {
      data = await fetcher()
    } catch (e) {
      if (mine !== generation) return
      error.value = toApiError(e)
      status.value = 'error'
      refreshing.value = false
      flush()
      return
    }
    if (mine !== generation) return
    applySnapshot(data)
    error.value = null
    status.value = 'ready'
    refreshing.value = false
    flush()
  }

  function flush() {
    const queued = held ?? []
    held = null
    for (const apply of queued) apply()
  }

  /** Applies a push now, or after the snapshot when a load is under way. */
  function push(apply: () => void) {
    if (held) held.push(apply)
    else apply()
  }

  return { status, error, refreshing, load, push }
}

/** Runs fn once, `ms` after the last call. */
export function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  return () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      fn()
    }, ms)
  }
}
