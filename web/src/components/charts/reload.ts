import { onBeforeUnmount, onMounted, watch, type WatchSource } from 'vue'

/** Loads on mount, again every `everyMs`, and `afterMs` after `changes` changes (several changes in a row: one load). */
export function useReload(load: () => unknown, everyMs: number, changes: WatchSource<unknown>, afterMs: number) {
  let timer: ReturnType<typeof setInterval> | undefined
  let pending: ReturnType<typeof setTimeout> | undefined
  onMounted(() => {
    void load()
    timer = setInterval(() => void load(), everyMs)
  })
  onBeforeUnmount(() => {
    clearInterval(timer)
    clearTimeout(pending)
  })
  watch(changes, () => {
    clearTimeout(pending)
    pending = setTimeout(() => void load(), afterMs)
  })
}
