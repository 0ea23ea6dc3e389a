import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ShiftDto } from '../api/types'

/** The current shift as last pushed (ShiftUpdated); the Shift view builds on it. */
export const useShiftStore = defineStore('shift', () => {
  const current = ref<ShiftDto | null>(null)

  function applyShift(shift: ShiftDto) {
    const c = current.value
    if (c && c.id === shift.id && c.status === 'closed' && shift.status === 'open') return
    if (c && c.id !== shift.id && shift.openedAt < c.openedAt) return
    current.value = shift
  }

  return { current, onShiftUpdated: applyShift }
})
