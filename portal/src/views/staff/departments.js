// The register of departments (code -> name), read once per page load and shared by the desk's pages.
import { ref } from 'vue'
import { api } from '../../api.js'

export const departments = ref([])
export const departmentNames = ref({})
let loading = null

export function loadDepartments() {
  if (!loading) {
    loading = api.page('/departments').then((page) => {
      departments.value = page.items
      departmentNames.value = Object.fromEntries(page.items.map((item) => [item.code, item.name]))
    }).catch(() => {
      loading = null   // asked again by the next page
    })
  }
  return loading
}
