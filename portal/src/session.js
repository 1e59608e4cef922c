// Who is signed in. The session itself is an HttpOnly cookie the page never sees; what the page keeps
// is the account (role, scope, name) and the CSRF token that unsafe requests must carry.
import { reactive } from 'vue'

export const session = reactive({
  account: null,  // {id, role, name, uscc, department, county}
  csrf: null,
  loaded: false,
  expired() {
    this.account = null
    this.csrf = null
  },
})

export const STAFF_ROLES = ['city_admin', 'department_staff', 'county_staff', 'window_clerk', 'assessor', 'counsellor']

export function isEnterprise() {
  return session.account?.role === 'enterprise'
}

export function hasRole(...roles) {
  return Boolean(session.account) && roles.includes(session.account.role)
}

// imported late: api.js reads the session's CSRF token
async function client() {
  return (await import('./api.js')).api
}

export async function loadSession() {
  const api = await client()
  try {
    const me = await api.get('/me')
    session.account = me
    session.csrf = me.csrf_token || null
  } catch {
    session.account = null
    session.csrf = null
  }
  session.loaded = true
  return session.account
}

export async function signIn(login, password) {
  const api = await client()
  const answer = await api.post('/sessions', { login, password })
  session.account = answer.account
  session.csrf = answer.csrf_token
  session.loaded = true
  return answer.account
}

export async function signOut() {
  const api = await client()
  try {
    await api.delete('/sessions')
  } finally {
    session.expired()
  }
}

export function homeOf(account) {
  if (!account) return '/signin'
  return account.role === 'enterprise' ? '/policies' : '/staff'
}
