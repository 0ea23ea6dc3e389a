import { describe, expect, it } from 'vitest'
import { keepTableCellsLabelled, labelTableCells } from './tableLabels'

const table = `<table><thead><tr><th>Guest</th><th colspan="2">Volume</th><th></th></tr></thead>
  <tbody><tr><td>Kim</td><td>320 ml</td><td>of 500</td><td><button>Close</button></td></tr>
         <tr><td data-label="Own">Ann</td><td colspan="2">—</td><td></td></tr></tbody></table>`

describe('table cell labels for phone cards', () => {
  it('gives each cell its column name, across a colspan, but not an actions column or a cell with its own label', () => {
    const root = document.createElement('div')
    root.innerHTML = table
    labelTableCells(root)
    const rows = root.querySelectorAll('tbody tr')
    expect(Array.from(rows[0].children).map((c) => c.getAttribute('data-label'))).toEqual(['Guest', 'Volume', 'Volume', null])
    expect(Array.from(rows[1].children).map((c) => c.getAttribute('data-label'))).toEqual(['Own', null, null])
  })

  it('labels rows added later', async () => {
    const root = document.createElement('div')
    root.innerHTML = table
    keepTableCellsLabelled(root)
    const row = document.createElement('tr')
    row.innerHTML = '<td>Lee</td><td>100 ml</td>'
    root.querySelector('tbody')!.appendChild(row)
    await new Promise((r) => setTimeout(r, 0))
    expect(row.children[0].getAttribute('data-label')).toBe('Guest')
    expect(row.children[1].getAttribute('data-label')).toBe('Volume')
  })
})
