// What the enterprise's pages look codes up in, read once per page load: the tag catalogue (names of
// tags, and the interests an enterprise may declare) and the register of departments. A failed read is
// forgotten, so the next page asks again.
import { api } from './api.js'
import { tagNamesOf } from './conditions.js'

let tags = null
let departments = null

function once(load, forget) {
  const promise = load()
  promise.catch(forget)
  return promise
}

// {categories, tags, names: code -> name}
export function loadTags() {
  tags ||= once(async () => {
    const catalogue = await api.get('/tags')
    return { ...catalogue, names: tagNamesOf(catalogue) }
  }, () => { tags = null })
  return tags
}

// {items, names: code -> name}
export function loadDepartments() {
  departments ||= once(async () => {
    const { items } = await api.page('/departments')
    return { items, names: Object.fromEntries(items.map((item) => [item.code, item.name])) }
  }, () => { departments = null })
  return departments
}
