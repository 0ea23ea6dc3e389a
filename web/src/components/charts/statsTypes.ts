// Mirrors shared-contracts/TapRoom.Contracts/StatsDtos.cs (GET /api/stats/…; docs/API_REFERENCE.md, "Stats").
export interface HourTotalsDto { startsAt: string; pours: number; volumeMl: number; revenue: number }
/** `reason` is a DenyReason of the controller contract (docs/INTERFACE_CONTRACT.md), e.g. `insufficient_balance`. */
export interface DenialCountDto { reason: string; count: number }
export interface ShiftStatsDto {
  shiftId: string
  timeZone: string
  currency: string
  from: string
  to: string
  hours: HourTotalsDto[]
  denials: DenialCountDto[]
}

export interface KegLevelPointDto { at: string; remainingMl: number }
export interface KegForecastDto {
  from: string
  pouredMl: number
  pours: number
  averagePourMl: number
  ratePerHourMl: number
  poursLeft: number
  emptyAt: string | null
}
export interface KegLevelDto {
  kegId: string
  beerTypeId: string
  beerName: string
  tapId: string
  tapNumber: number
  tapName: string
  nominalVolumeMl: number
  remainingVolumeMl: number
  levels: KegLevelPointDto[]
  forecast: KegForecastDto
}
export interface WarehouseBeerDto { beerTypeId: string; beerName: string; kegsByAge: number[]; volumeMl: number }
export interface KegStatsDto {
  timeZone: string
  since: string
  now: string
  connected: KegLevelDto[]
  ageBuckets: string[]
  warehouse: WarehouseBeerDto[]
}

export interface TapTotalsDto { tapId: string; number: number; name: string; pours: number; volumeMl: number; revenue: number; lastHourMl: number[] }
export interface TapStatsDto { timeZone: string; currency: string; since: string; now: string; slotMinutes: number; taps: TapTotalsDto[] }
