import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { currentVenueId, http } from '../api/http'
import { attempt } from './result'
import type { BeerTypeDto, ConnectKegResultDto, KegDto, KegSuggestionDto, KegStatus } from '../api/types'
import { useLiveLoad } from './liveLoad'
import { useTapsStore } from './taps'

const statusRank: Record<KegStatus, number> = { warehouse: 0, connected: 1, empty: 2, returned: 3 }

/** Whether `incoming` is not older than `existing`: a keg only moves forward (warehouse → connected → empty → returned) and its level only falls while connected. */
export function isNewerKeg(incoming: KegDto, existing: KegDto): boolean {
  const byStatus = statusRank[incoming.status] - statusRank[existing.status]
  if (byStatus !== 0) return byStatus > 0
  return incoming.remainingVolumeMl <= existing.remainingVolumeMl
}

/** FIFO order as the server defines it: the oldest receivedAt (else createdAt) first, then createdAt, then id. */
export function compareFifo(a: KegDto, b: KegDto): number {
  const ra = a.receivedAt ?? a.createdAt
  const rb = b.receivedAt ?? b.createdAt
  return ra.localeCompare(rb) || a.createdAt.localeCompare(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Plain words for the keg refusals (docs/API_REFERENCE.md, "Taps, beer types and kegs"). */
export const kegExplanations: Record<string, string> = {
  tap_has_keg: 'The tap’s keg still has beer. Mark it empty first.',
  pour_in_progress: 'A pour on this tap is running or waiting for its sync. Wait, or have a manager reconcile it.',
  keg_not_in_warehouse: 'This keg is no longer in the warehouse (someone else connected it). Pick another one.',
  keg_not_connected: 'This keg is not on a tap any more.',
  keg_not_empty: 'Only an empty keg can be returned.',
  received_at_in_future: 'The received date cannot be in the future.',
  beer_type_name_taken: 'A beer with this name exists already.',
  validation_failed: 'Something in the form is not valid.',
  forbidden: 'Your role may not do this.',
  network_error: 'The server could not be reached; try again.',
}

export const useKegsStore = defineStore('kegs', () => {
  const byId = ref(new Map<string, KegDto>())
  const live = useLiveLoad()
  const beerTypes = ref<BeerTypeDto[]>([])

  const all = computed(() => [...byId.value.values()].sort(compareFifo))
  const warehouse = computed(() => all.value.filter((k) => k.status === 'warehouse'))
  /** Warehouse kegs grouped by beer, each group in FIFO order, beers by name. */
  const warehouseByBeer = computed(() => {
    const groups = new Map<string, { beerTypeId: string; beerName: string; kegs: KegDto[] }>()
    for (const k of warehouse.value) {
      const g = groups.get(k.beerTypeId) ?? { beerTypeId: k.beerTypeId, beerName: k.beerName, kegs: [] }
      g.kegs.push(k)
      groups.set(k.beerTypeId, g)
    }
    return [...groups.values()].sort((a, b) => a.beerName.localeCompare(b.beerName))
  })
  const empties = computed(() => all.value.filter((k) => k.status === 'empty'))

  function load() {
    return live.load(
      async () => {
        const [kegs, types] = await Promise.all([http.get<KegDto[]>('/api/kegs'), http.get<BeerTypeDto[]>('/api/beer-types')])
        return { kegs: kegs.filter((k) => k.status !== 'returned'), types }
      },
      ({ kegs, types }) => {
        byId.value = new Map(kegs.map((k) => [k.id, k]))
        beerTypes.value = types
      },
    )
  }

  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
  }

  function applyKeg(keg: KegDto) {
    const existing = byId.value.get(keg.id)
    if (existing && !isNewerKeg(keg, existing)) return
    if (keg.status === 'returned') byId.value.delete(keg.id)
    else byId.value.set(keg.id, keg)
  }

  function suggestion(tapId: string) {
    return attempt(() => http.get<KegSuggestionDto>(`/api/taps/${tapId}/keg-suggestion`))
  }

  async function receive(body: { beerTypeId: string; nominalVolumeMl: number; receivedAt?: string }) {
    const r = await attempt(() => http.post<KegDto>('/api/kegs', body))
    if (r.ok) applyKeg(r.value)
    return r
  }

  async function connect(tapId: string, kegId: string) {
    const r = await attempt(() => http.post<ConnectKegResultDto>(`/api/taps/${tapId}/connect-keg`, { kegId }))
    if (r.ok) {
      applyKeg(r.value.keg)
      useTapsStore().onTapUpdated(r.value.tap)
    }
    return r
  }

  async function markEmpty(kegId: string) {
    const r = await attempt(() => http.post<KegDto>(`/api/kegs/${kegId}/empty`))
    if (r.ok) applyKeg(r.value)
    return r
  }

  async function returnKeg(kegId: string) {
    const r = await attempt(() => http.post<KegDto>(`/api/kegs/${kegId}/return`))
    if (r.ok) applyKeg(r.value)
    return r
  }

  async function createBeerType(body: { name: string; style?: string; abv: number; pricePerLiter: number }) {
    const r = await attempt(() => http.post<BeerTypeDto>('/api/beer-types', body))
    if (r.ok) beerTypes.value = [...beerTypes.value, r.value].sort((a, b) => a.name.localeCompare(b.name))
    return r
  }

  /** The catalogue's price (every venue without its own); the list is read again for this venue's prices. */
  async function setPrice(beerTypeId: string, pricePerLiter: number) {
    const r = await attempt(() => http.put<BeerTypeDto>(`/api/beer-types/${beerTypeId}`, { pricePerLiter }))
    if (r.ok) {
      const again = await attempt(() => http.get<BeerTypeDto[]>('/api/beer-types'))
      if (again.ok) beerTypes.value = again.value
    }
    return r
  }

  /** This venue's own price for a beer (a manager of it); null goes back to the catalogue's. */
  async function setVenuePrice(beerTypeId: string, pricePerLiter: number | null) {
    const venueId = currentVenueId()
    const r = await attempt(() => {
      if (!venueId) throw new Error('No venue is open.')
      return http.put<BeerTypeDto>(`/api/locations/${encodeURIComponent(venueId)}/prices/${beerTypeId}`, { pricePerLiter })
    })
    if (r.ok) beerTypes.value = beerTypes.value.map((b) => (b.id === r.value.id ? r.value : b))
    return r
  }

  return {
    byId, all, warehouse, warehouseByBeer, empties, beerTypes,
    status: live.status, error: live.error, refreshing: live.refreshing,
    load, ensureLoaded, suggestion, receive, connect, markEmpty, returnKeg, createBeerType, setPrice, setVenuePrice,
    onKegUpdated: (k: KegDto) => live.push(() => applyKeg(k)),
  }
})
