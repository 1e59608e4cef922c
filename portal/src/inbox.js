// The enterprise's unread notices, shown beside 消息 in the navigation; pages that read a notice
// call refreshUnread() so the count follows at once.
import { reactive } from 'vue'
import { request } from './api.js'
import { session } from './session.js'

export const inbox = reactive({ unread: 0 })

export async function refreshUnread() {
  const uscc = session.account?.uscc
  if (!uscc) return
  try {
    const { headers } = await request('GET', `/enterprises/${uscc}/notifications`, { query: { limit: 1 } })
    inbox.unread = Number(headers.get('X-Unread-Count') || 0)
  } catch {
    // the badge is a hint: a failed count leaves the last one shown
  }
}
