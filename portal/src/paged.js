// A list read a page at a time (limit/offset), as every list page shows one: its items and total, the page
// shown, loading and loaded (for the empty state), and the error in Chinese. An answer that arrives after a
// later request's is dropped, so fast typing or paging never shows an older page.
import { ref } from 'vue'
import { api, describe } from './api.js'

// path: a string or a function giving it (e.g. of the signed-in enterprise); query: a function of the list's
// filters now; errorText: the message for a failure (describe() unless it knows better); onAnswer: takes
// what else the answer holds beside items and total (an alarm list's warnings, say)
export function pagedList(path, { size = 20, query = () => ({}), errorText = describe, onAnswer = null } = {}) {
  const items = ref([])
  const total = ref(0)
  const page = ref(1)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref('')
  let asked = 0

  async function load() {
    const mine = ++asked
    loading.value = true
    error.value = ''
    try {
      const where = typeof path === 'function' ? path() : path
      const answer = await api.page(where, { ...query(), limit: size, offset: (page.value - 1) * size })
      if (mine !== asked) return
      items.value = answer.items
      total.value = answer.total
      if (onAnswer) onAnswer(answer)
    } catch (failure) {
      if (mine !== asked) return
      items.value = []
      total.value = 0
      error.value = errorText(failure)
    } finally {
      if (mine === asked) {
        loading.value = false
        loaded.value = true
      }
    }
  }

  function turn(next) {
    page.value = next
    return load()
  }

  // the filters changed: back to the first page
  function reload() {
    return turn(1)
  }

  return { items, total, page, loading, loaded, error, size, load, turn, reload }
}
