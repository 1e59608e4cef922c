// Departments and counties by their Chinese names: the register of departments (GET /departments) is
// read once a page load and shared; the seven counties are in format.js.
import { reactive } from 'vue'
import { api } from './api.js'
import { COUNTIES } from './format.js'

export const departments = reactive({ list: [], byCode: {}, loaded: false })
let loading = null

export function loadDepartments() {
  if (!loading) {
    loading = api.page('/departments')
      .then(({ items }) => {
        departments.list = items
        departments.byCode = Object.fromEntries(items.map((item) => [item.code, item.name]))
        departments.loaded = true
      })
      .catch(() => {
        loading = null  // asked again next time; codes are shown meanwhile
      })
  }
  return loading
}

// a department's or county's name, or its code while the register is not read
export function unitName(code) {
  if (!code) return '—'
  return COUNTIES[code] || departments.byCode[code] || code
}

// every department and county, for a picker: [{ value, label, kind }]
export function unitOptions() {
  return [
    ...departments.list.map((item) => ({ value: item.code, label: item.name, kind: 'department' })),
    ...Object.entries(COUNTIES).map(([value, text]) => ({ value, label: text, kind: 'county' })),
  ]
}
