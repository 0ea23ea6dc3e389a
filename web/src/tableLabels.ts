/**
 * On a phone a table row becomes a card and the header row is hidden (style.css), so each cell carries its column's
 * name in `data-label` (shown before the value there). One observer over the app keeps every table's cells labelled as
 * rows come and go; a cell with its own data-label, or under an empty header (an actions column), is left alone.
 */
export function labelTableCells(root: ParentNode) {
  for (const table of Array.from(root.querySelectorAll('table'))) {
    const headRow = table.querySelector('thead tr')
    if (!headRow) continue
    const names: string[] = []
    for (const th of Array.from(headRow.children) as HTMLElement[]) {
      const span = Number(th.getAttribute('colspan') ?? 1) || 1
      for (let i = 0; i < span; i++) names.push((th.textContent ?? '').trim())
    }
    for (const body of Array.from(table.children).filter((c) => c.tagName === 'TBODY')) {
      for (const row of Array.from(body.children)) {
        let column = 0
        for (const cell of Array.from(row.children) as HTMLTableCellElement[]) {
          const span = Number(cell.getAttribute('colspan') ?? 1) || 1
          const name = names[column] ?? ''
          column += span
          if (cell.tagName !== 'TD' || (cell.hasAttribute('data-label') && !cell.hasAttribute('data-auto-label'))) continue
          if (name && span === 1) {
            if (cell.getAttribute('data-label') !== name) cell.setAttribute('data-label', name)
            cell.setAttribute('data-auto-label', '')
          } else if (cell.hasAttribute('data-auto-label')) {
            cell.removeAttribute('data-label')
            cell.removeAttribute('data-auto-label')
          }
        }
      }
    }
  }
}

export function keepTableCellsLabelled(root: HTMLElement) {
  let queued = false
  const run = () => {
    queued = false
    labelTableCells(root)
  }
  labelTableCells(root)
  new MutationObserver(() => {
    if (queued) return
    queued = true
    queueMicrotask(run)
  }).observe(root, { childList: true, subtree: true, characterData: true })
}
