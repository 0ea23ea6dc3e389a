import { defineStore } from 'pinia'
import { ref } from 'vue'
import { http, query, toApiError, type ApiError } from '../api/http'
import type {
  CalibrationAppliedDto, CalibrationDto, CalibrationProposalDto, KegWasteDto, StartCalibrationResult, StockReportDto, WasteKind, YieldReportDto,
} from '../api/types'
import { useLocationStore } from './location'

/** The parts of a keg in the order the report, the chart and the CSV show them (docs/OPERATIONS.md "Where the beer goes"). */
export const YIELD_PARTS = [
  { key: 'chargedMl', label: 'Charged', color: '#8fd19e' },
  { key: 'belowMinimumMl', label: 'Below minimum', color: '#5ad1d1' },
  { key: 'cleaningMl', label: 'Cleaning', color: '#6cb2ff' },
  { key: 'calibrationMl', label: 'Calibration', color: '#d68cff' },
  { key: 'leakMl', label: 'Leak', color: '#ff7b72' },
  { key: 'spillMl', label: 'Spill', color: '#f5a623' },
  { key: 'foamMl', label: 'Foam', color: '#e6d36a' },
  { key: 'otherMl', label: 'Other waste', color: '#b0b8c4' },
  { key: 'lossAtEmptyMl', label: 'Loss at empty', color: '#a05a5a' },
  { key: 'remainingMl', label: 'Still in the keg', color: '#3a4556' },
] as const

export type YieldPartKey = (typeof YIELD_PARTS)[number]['key']

/** Plain words for the refusals of waste and calibration (docs/API_REFERENCE.md). */
export const yieldExplanations: Record<string, string> = {
  waste_exceeds_keg: 'The keg does not hold that much any more.',
  keg_not_connected: 'Waste is recorded from a keg on a tap.',
  calibration_in_progress: 'A calibration pour is already running on this tap.',
  calibration_above_cap: 'The target is above the venue’s per-pour cap.',
  controller_offline: 'The tap’s controller is offline; calibrate once it is back.',
  tap_has_no_controller: 'This tap has no controller to pour with.',
  tap_not_active: 'Calibrate an active tap (or one in cleaning).',
  pour_in_progress: 'A guest’s pour is running on this tap.',
  calibration_not_poured: 'The pour is still running.',
  calibration_out_of_range: 'That volume gives an impossible factor; measure again.',
  no_calibration_pours: 'Measure at least one pour first.',
  validation_failed: 'Something in the form is not valid.',
}

export function explain(e: ApiError): string {
  return yieldExplanations[e.code] ?? e.text
}

export const useYieldStore = defineStore('yield', () => {
  const report = ref<YieldReportDto | null>(null)
  const stock = ref<StockReportDto | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)

  function venueId(): string | undefined {
    return useLocationStore().venueId ?? undefined
  }

  async function load(from?: string, to?: string) {
    loading.value = true
    error.value = null
    try {
      const params = { locationId: venueId(), from, to }
      const [r, s] = await Promise.all([
        http.get<YieldReportDto>('/api/reports/yield' + query(params)),
        http.get<StockReportDto>('/api/reports/stock' + query({ locationId: venueId() })),
      ])
      report.value = r
      stock.value = s
    } catch (e) {
      error.value = explain(toApiError(e))
    } finally {
      loading.value = false
    }
  }

  function csvUrl(from?: string, to?: string): string {
    return '/api/reports/yield.csv' + query({ locationId: venueId(), from, to })
  }

  const recordWaste = (kegId: string, volumeMl: number, kind: WasteKind, comment: string) =>
    http.post<KegWasteDto>(`/api/kegs/${encodeURIComponent(kegId)}/waste`, { volumeMl, kind, comment })

  // Guided calibration: one call per step of the wizard.
  const startCalibration = (tapId: string, targetMl: number) =>
    http.post<StartCalibrationResult>(`/api/taps/${encodeURIComponent(tapId)}/calibrations`, { targetMl })
  const calibration = (id: string) => http.get<CalibrationDto>(`/api/calibrations/${encodeURIComponent(id)}`)
  const stopCalibration = (id: string) => http.post<CalibrationDto>(`/api/calibrations/${encodeURIComponent(id)}/stop`)
  const measure = (id: string, measuredMl: number) => http.post<CalibrationDto>(`/api/calibrations/${encodeURIComponent(id)}/measured`, { measuredMl })
  const proposal = (tapId: string) => http.get<CalibrationProposalDto>(`/api/taps/${encodeURIComponent(tapId)}/calibration-proposal`)
  const apply = (tapId: string, comment: string) =>
    http.post<CalibrationAppliedDto>(`/api/taps/${encodeURIComponent(tapId)}/calibration-proposal/apply`, { comment })

  return { report, stock, error, loading, load, csvUrl, recordWaste, startCalibration, calibration, stopCalibration, measure, proposal, apply }
})
