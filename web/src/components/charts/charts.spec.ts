import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { formatTime, setVenue } from '../../format'
import { cumulative, forecastText, litres, mergeSteps, reasonLabel } from './chartMath'

// uPlot draws on a canvas, which happy-dom has not: the component's own part (the table, the summary) is tested here,
// the drawing in Chromium (tests/TapRoom.EndToEnd.Tests/ChartsTests.cs).
const created: unknown[][] = []
vi.mock('uplot', () => {
  class FakePlot {
    static paths = { bars: () => () => null, stepped: () => () => null, linear: () => () => null }
    static tzDate = (d: Date) => d
    constructor(opts: unknown, data: unknown) { created.push([opts, data]) }
    setSize() {}
    destroy() {}
  }
  return { default: FakePlot }
})
vi.mock('uplot/dist/uPlot.min.css', () => ({}))

describe('chart math', () => {
  it('shows times through the venue formatter, in the location zone, not the browser zone', () => {
    setVenue('EUR', 'Europe/Berlin')
    expect(formatTime('2026-11-21T20:40:00Z')).toMatch(/^(21:40|09:40\sPM)$/)
    setVenue('USD', 'America/New_York')
    expect(formatTime('2026-11-21T20:40:00Z')).toMatch(/^(15:40|03:40\sPM)$/)
    expect(formatTime('2026-11-21T20:40:05Z', true)).toMatch(/^(15:40:05|03:40:05\sPM)$/)
  })

  it('says the forecast as a person would', () => {
    const keg = {
      remainingVolumeMl: 16_800,
      forecast: { from: '2026-11-21T17:00:00Z', pouredMl: 3_200, pours: 8, averagePourMl: 400, ratePerHourMl: 4_000, poursLeft: 42, emptyAt: '2026-11-21T20:40:00Z' },
    }
    setVenue('EUR', 'Europe/Berlin')
    expect(forecastText(keg)).toBe(`about 42 × 0.4 L left, empty around ${formatTime('2026-11-21T20:40:00Z')}`)
    expect(forecastText(keg)).toMatch(/empty around (21:40|09:40\sPM)$/)
    expect(forecastText({ ...keg, forecast: { ...keg.forecast, pours: 0, emptyAt: null, averagePourMl: 0 } })).toBe('16.8 L left, no pours yet tonight')
    expect(forecastText({ ...keg, remainingVolumeMl: 0 })).toBe('empty')
    expect(litres(50)).toBe('0.05 L')
  })

  it('merges step series on one axis, holding each level until its next point', () => {
    const m = mergeSteps([
      { points: [{ at: '2026-01-01T00:00:00Z', value: 20 }, { at: '2026-01-01T00:10:00Z', value: 19.5 }] },
      { points: [{ at: '2026-01-01T00:05:00Z', value: 10 }] },
    ])
    expect(m.x).toHaveLength(3)
    expect(m.ys[0]).toEqual([20, 20, 19.5])
    expect(m.ys[1]).toEqual([null, 10, 10])
  })

  it('stacks parts as cumulative bars', () => {
    expect(cumulative([[1, 0], [2, 3], [0, 1]])).toEqual([[1, 0], [3, 3], [3, 4]])
    expect(reasonLabel('insufficient_balance')).toBe('Insufficient balance')
  })
})

describe('UChart', () => {
  it('gives screen readers a table of every figure and a summary instead of the canvas', async () => {
    const { default: UChart } = await import('./UChart.vue')
    const w = mount(UChart, {
      props: {
        title: 'Volume per tap',
        x: [0, 1],
        categories: ['1. Helles', '2. Stout'],
        series: [{ label: 'Volume', values: [12.5, 3], color: '#fff', format: (v: number) => `${v.toFixed(1)} L` }],
      },
    })
    const rows = w.findAll('table tbody tr').map((r) => r.findAll('th, td').map((c) => c.text()))
    expect(rows).toEqual([['1. Helles', '12.5 L'], ['2. Stout', '3.0 L']])
    expect(w.find('[role="img"]').attributes('aria-label')).toContain('Volume: 15.5 L in all')
    expect(created.length).toBeGreaterThan(0)
    const [, data] = created[created.length - 1] as [unknown, number[][]]
    expect(data).toEqual([[0, 1], [12.5, 3]])
  })

  it('shows the parts of a stacked bar, not the running sums it draws', async () => {
    const { default: UChart } = await import('./UChart.vue')
    const w = mount(UChart, {
      props: {
        title: 'Warehouse', x: [0], categories: ['Helles'],
        series: [{ label: 'over 4 weeks', values: [5], shown: [2], color: '#fff', format: (v: number) => `${v} kegs` }],
      },
    })
    expect(w.find('table tbody td').text()).toBe('2 kegs')
  })
  it('draws a keg level on its capacity range, so a nearly full keg sits near the top and not on the floor', async () => {
    const { default: UChart } = await import('./UChart.vue')
    mount(UChart, {
      props: {
        title: 'Keg levels', x: [1_700_000_000, 1_700_000_600], timeZone: 'Europe/Berlin', yRange: [0, 50] as [number, number],
        series: [{ label: '1. Helles', values: [49.6, 49.2], color: '#fff', kind: 'step' as const, format: (v: number) => `${v} L` }],
      },
    })
    const [opts] = created[created.length - 1] as [{ scales: { y: { range: (...a: unknown[]) => number[] } } }]
    expect(opts.scales.y.range(null, 49.2, 49.6)).toEqual([0, 50])
  })
})
