// @vitest-environment node
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { generateApiTypes, typesPath } from '../../scripts/api-types.mjs'

// The drift check of the web app's types (docs/adr/0080): generated.ts must be exactly what openapi-typescript makes
// of the committed openapi.json now. The server's OpenApiDocumentTests checks openapi.json against the routes and the
// C# contract, so a DTO changed without `npm run gen:api` fails one of the two.
describe('generated API types', () => {
  it('are what openapi-typescript makes of src/api/openapi.json now (run `npm run gen:api` in web/ when this fails)', async () => {
    const committed = await readFile(typesPath, 'utf8')
    const fresh = await generateApiTypes()
    expect(committed === fresh, 'src/api/generated.ts is out of date: run `npm run gen:api` in web/').toBe(true)
  }, 30_000)
})
