import { defineStore } from 'pinia'
import { ref } from 'vue'
import { http } from '../api/http'
import type { ApiError } from '../api/http'
import type { KegStatsDto, ShiftStatsDto, TapStatsDto } from '../components/charts/statsTypes'
import { attempt } from './result'

type Slot<T> = { value: T | null; error: ApiError | null; loading: boolean }

/** Figures for the charts (GET /api/stats/…). Each load replaces its slice; a failed reload keeps the last figures. */
export const useStatsStore = defineStore('stats', () => {
  const shift = ref<Slot<ShiftStatsDto>>({ value: null, error: null, loading: false })
  const kegs = ref<Slot<KegStatsDto>>({ value: null, error: null, loading: false })
  const taps = ref<Slot<TapStatsDto>>({ value: null, error: null, loading: false })
  const seq = { shift: 0, kegs: 0, taps: 0 }

  async function run<T>(slot: typeof shift | typeof kegs | typeof taps, key: keyof typeof seq, path: string) {
    const mine = ++seq[key]
    const s = slot.value as Slot<T>
    s.loading = true
    const r = await attempt(() => http.get<T>(path))
    if (mine !== seq[key]) return // a newer load answers for this slice
    s.loading = false
    if (r.ok) {
      s.value = r.value
      s.error = null
    } else {
      s.error = r.error
    }
  }

  const loadShift = (shiftId: string) => {
    if (shift.value.value?.shiftId !== shiftId) shift.value.value = null
    return run<ShiftStatsDto>(shift, 'shift', `/api/stats/shifts/${shiftId}`)
  }
  const loadKegs = () => run<KegStatsDto>(kegs, 'kegs', '/api/stats/kegs')
  const loadTaps = () => run<TapStatsDto>(taps, 'taps', '/api/stats/taps')

  return { shift, kegs, taps, loadShift, loadKegs, loadTaps }
})
