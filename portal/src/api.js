// The one way the portal talks to the platform: the documented API under /api/v1, same origin, with
// the session cookie. Unsafe methods carry the session's CSRF token (docs/sign-in.md). Errors become
// ApiError with a message a person can read (Chinese), the platform's code and the fields at fault.
import { session } from './session.js'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const MESSAGES = {
  unauthorized: '请先登录',
  forbidden: '您无权进行此操作',
  csrf: '页面已过期，请刷新后重试',
  not_found: '未找到该内容',
  conflict: '操作与当前状态冲突，请刷新后重试',
  invalid: '填写的内容有误',
  invalid_request: '填写的内容有误',
  malformed_body: '请求格式有误',
  too_many_requests: '操作过于频繁，请稍后再试',
  service_unavailable: '服务暂时不可用，请稍后再试',
  payload_too_large: '文件过大',
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }

  // the fields a 422 names, e.g. ['stars', 'materials.0.content']
  get fields() {
    return Array.isArray(this.details) ? this.details.map((item) => item.field).filter(Boolean) : []
  }
}

export function describe(error) {
  if (!(error instanceof ApiError)) return '网络连接失败，请检查网络后重试'
  if (error.status === 429) {
    const wait = error.details && error.details.retry_after
    return wait ? `操作过于频繁，请 ${Math.ceil(wait / 60)} 分钟后再试` : MESSAGES.too_many_requests
  }
  const base = MESSAGES[error.code] || (error.status >= 500 ? '服务暂时不可用，请稍后再试' : '操作未成功')
  // messages the platform writes in Chinese for people (registration, sign-in) are shown as they are
  const chinese = /[\u4e00-\u9fff]/.test(error.message || '') ? error.message : ''
  return chinese || base
}

export function queryString(query) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

// api('GET', '/policies', { query: { q: '研发' } }) -> { body, total, headers }
export async function request(method, path, { body, query, accept = 'application/json' } = {}) {
  const headers = { Accept: accept }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (UNSAFE.has(method) && session.csrf) headers['X-CSRF-Token'] = session.csrf
  let response
  try {
    response = await fetch(`/api/v1${path}${queryString(query)}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (failure) {
    throw new ApiError(0, 'network', '网络连接失败', null)
  }
  if (!response.ok) throw await errorOf(response)
  const total = response.headers.get('X-Total-Count')
  if (response.status === 204) return { body: null, total: null, headers: response.headers }
  const isJson = (response.headers.get('Content-Type') || '').includes('json')
  return {
    body: isJson ? await response.json() : await response.blob(),
    total: total === null ? null : Number(total),
    headers: response.headers,
  }
}

async function errorOf(response) {
  let envelope = null
  try {
    envelope = (await response.json()).error
  } catch {
    envelope = null
  }
  return errorFrom(response.status, response.statusText, envelope, response.headers.get('Retry-After'))
}

// the ApiError of a refused answer: its status, the error envelope (or null) and Retry-After
function errorFrom(status, statusText, envelope, retry) {
  const details = envelope ? envelope.details : null
  const merged = retry && (!details || typeof details !== 'object' || Array.isArray(details))
    ? { retry_after: Number(retry) } : details
  const error = new ApiError(status, envelope ? envelope.code : `http_${status}`,
    envelope ? envelope.message : statusText, merged)
  if (status === 401) session.expired()
  return error
}

export const api = {
  get: async (path, query) => (await request('GET', path, { query })).body,
  page: async (path, query) => {
    const { body, total } = await request('GET', path, { query })
    // lists answer either a JSON array with X-Total-Count or {items, total}
    return Array.isArray(body) ? { items: body, total: total ?? body.length } : body
  },
  post: async (path, body) => (await request('POST', path, { body })).body,
  put: async (path, body) => (await request('PUT', path, { body })).body,
  delete: async (path) => (await request('DELETE', path)).body,
}

// A workbook or other file from the API, saved under its name
export async function download(path, query, filename) {
  const { body } = await request('GET', path, { query, accept: '*/*' })
  const link = document.createElement('a')
  link.href = URL.createObjectURL(body)
  link.download = filename
  link.click()
  URL.revokeObjectURL(link.href)
}

// `request` for a large JSON body (an application with its materials) with upload progress, which fetch
// cannot report: onProgress(fraction 0..1) while the body goes out. Same headers, CSRF token and errors.
export function sendWithProgress(method, path, body, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(method, `/api/v1${path}`)
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Content-Type', 'application/json')
    if (UNSAFE.has(method) && session.csrf) xhr.setRequestHeader('X-CSRF-Token', session.csrf)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total) onProgress(event.loaded / event.total)
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', '网络连接失败', null))
    xhr.ontimeout = xhr.onerror
    xhr.onload = () => {
      let parsed = null
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null
      } catch {
        parsed = null
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1)
        resolve(parsed)
        return
      }
      reject(errorFrom(xhr.status, xhr.statusText, parsed && parsed.error ? parsed.error : null,
        xhr.getResponseHeader('Retry-After')))
    }
    xhr.send(JSON.stringify(body))
  })
}

// A gift pack's public page (GET /packs/{code}, outside /api/v1 and without a session): its JSON.
// Fetching it counts the visit as one scan of the pack's QR code.
export async function publicPack(code) {
  let response
  try {
    response = await fetch(`/packs/${encodeURIComponent(code)}`, {
      headers: { Accept: 'application/json' },
      credentials: 'omit',
    })
  } catch {
    throw new ApiError(0, 'network', '网络连接失败', null)
  }
  if (!response.ok) throw await errorOf(response)
  return response.json()
}

// describe(error) and, for a 422, each field named with its rule: '填写的内容有误（due_on：…；unit：…）'
export function describeFields(error) {
  const named = error instanceof ApiError && Array.isArray(error.details)
    ? error.details.filter((item) => item && item.field).map((item) => `${item.field}：${item.message}`).join('；') : ''
  return named ? `${describe(error)}（${named}）` : describe(error)
}
