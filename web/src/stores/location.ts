import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { http } from '../api/http'
import type { LocationDto } from '../api/types'
import { setVenue } from '../format'

/** The venue (GET /api/location): currency and time zone for every amount and time, and the policies the UI explains. */
export const useLocationStore = defineStore('location', () => {
  const venue = ref<LocationDto | null>(null)

  async function load() {
    try {
      const l = await http.get<LocationDto>('/api/location')
      setVenue(l.currency, l.timeZone)
      venue.value = l
    } catch {
      // Amounts and times still show, without the currency and in the browser's zone; the next reload retries.
    }
  }

  /** A manager changes a policy (PUT /api/location/policies); the answer is the location as it now is. Throws ApiError. */
  async function updatePolicies(change: { deskMoneyWithoutOpenShift: boolean }) {
    venue.value = await http.put<LocationDto>('/api/location/policies', change)
  }

  const pouringRequiresOpenShift = computed(() => venue.value?.policies.pouringRequiresOpenShift ?? true)
  const deskMoneyWithoutOpenShift = computed(() => venue.value?.policies.deskMoneyWithoutOpenShift ?? false)
  const currency = computed(() => venue.value?.currency ?? '')
  const timeZone = computed(() => venue.value?.timeZone ?? '')

  return { venue, load, updatePolicies, pouringRequiresOpenShift, deskMoneyWithoutOpenShift, currency, timeZone }
})
