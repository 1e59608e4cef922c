// Application materials (申报材料) as the browser checks them before sending: the platform's own rules
// (docs/api.md "The application hall"; services/application/domain/materials.py decides, this only
// spares a person a refused upload). Pure: no Vue, no DOM, so `node --test portal/tests/` covers it.
export const MiB = 1024 * 1024
export const MAX_MATERIALS = 3
export const MAX_BYTES = 10 * MiB
export const MAX_TOTAL_BYTES = 25 * MiB

// what each allowed type is called, and the file name endings that go with it
export const KINDS = {
  pdf: { label: 'PDF', extensions: ['.pdf'] },
  jpeg: { label: 'JPEG', extensions: ['.jpg', '.jpeg'] },
  png: { label: 'PNG', extensions: ['.png'] },
  ofd: { label: 'OFD', extensions: ['.ofd'] },
  docx: { label: 'Word（DOCX）', extensions: ['.docx'] },
  xlsx: { label: 'Excel（XLSX）', extensions: ['.xlsx'] },
}

export const ACCEPT = Object.values(KINDS).flatMap((kind) => kind.extensions).join(',')
export const ALLOWED_TEXT = 'PDF、JPG、PNG、OFD、DOCX、XLSX'

const ascii = (text) => Array.from(text, (char) => char.charCodeAt(0))

function startsWith(bytes, prefix) {
  return prefix.every((byte, index) => bytes[index] === byte)
}

function contains(bytes, text) {
  const needle = ascii(text)
  outer: for (let start = 0; start <= bytes.length - needle.length; start += 1) {
    for (let index = 0; index < needle.length; index += 1) {
      if (bytes[start + index] !== needle[index]) continue outer
    }
    return true
  }
  return false
}

// The type the bytes are (a key of KINDS), or null. A zip is told apart by the names of its entries,
// which a zip keeps uncompressed: OFD.xml (GB/T 33190), word/document.xml, xl/workbook.xml.
export function sniff(bytes) {
  if (startsWith(bytes, ascii('%PDF-'))) return 'pdf'
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg'
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png'
  if (startsWith(bytes, ascii('PK\x03\x04'))) {
    if (contains(bytes, 'OFD.xml')) return 'ofd'
    if (contains(bytes, '[Content_Types].xml')) {
      if (contains(bytes, 'word/document.xml')) return 'docx'
      if (contains(bytes, 'xl/workbook.xml')) return 'xlsx'
    }
  }
  return null
}

export function extensionOf(filename) {
  const dot = filename.lastIndexOf('.')
  return dot > 0 ? filename.slice(dot).toLowerCase() : ''
}

export function describeSize(size) {
  if (size >= MiB) return `${(size / MiB).toFixed(1)} MB`
  if (size >= 1024) return `${Math.ceil(size / 1024)} KB`
  return `${size} 字节`
}

const MEDIA_TYPES = {
  'application/pdf': 'pdf', 'image/jpeg': 'jpeg', 'image/png': 'png', 'application/ofd': 'ofd',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
}

// a stored material's media_type as people call it
export function kindLabel(mediaType) {
  return KINDS[MEDIA_TYPES[mediaType]]?.label || mediaType
}

// What is wrong with one file before it is read ({name, size}), or '' when nothing is.
export function checkFileSize(file) {
  if (!file.size) return `「${file.name}」是空文件，请重新选择`
  if (file.size > MAX_BYTES) {
    return `「${file.name}」大小为 ${describeSize(file.size)}，超过单个材料 ${describeSize(MAX_BYTES)} 的上限`
  }
  return ''
}

// What is wrong with one file once read ({name, size, bytes}), or ''.
export function checkFile(file) {
  const sized = checkFileSize(file)
  if (sized) return sized
  if (file.name.startsWith('.') || /[\\/]/.test(file.name)) return `文件名「${file.name}」不可用，请改名后重新选择`
  const kind = sniff(file.bytes)
  if (!kind) return `「${file.name}」不是允许的文件类型，仅支持 ${ALLOWED_TEXT}`
  if (!KINDS[kind].extensions.includes(extensionOf(file.name))) {
    return `「${file.name}」的内容是 ${KINDS[kind].label} 文件，扩展名应为 ${KINDS[kind].extensions.join(' 或 ')}`
  }
  return ''
}

// What is wrong with the materials of one application together ([{name, size, sha256?}]), or ''.
export function checkSet(files) {
  if (files.length > MAX_MATERIALS) return `每次申报最多上传 ${MAX_MATERIALS} 份材料`
  const total = files.reduce((sum, file) => sum + file.size, 0)
  if (total > MAX_TOTAL_BYTES) {
    return `材料合计 ${describeSize(total)}，超过每次申报 ${describeSize(MAX_TOTAL_BYTES)} 的上限`
  }
  const seen = new Map()
  for (const file of files) {
    if (!file.fingerprint) continue
    if (seen.has(file.fingerprint)) return `「${file.name}」与「${seen.get(file.fingerprint)}」是同一个文件，请勿重复上传`
    seen.set(file.fingerprint, file.name)
  }
  return ''
}

// A fingerprint of the bytes, to tell the same file chosen twice (not a security measure).
export function fingerprint(bytes) {
  let hash = 2166136261
  for (let index = 0; index < bytes.length; index += 1) {
    hash ^= bytes[index]
    hash = Math.imul(hash, 16777619) >>> 0
  }
  return `${bytes.length}:${hash.toString(16)}`
}

// Standard, padded base64 of the bytes (what `content_base64` must be).
export function toBase64(bytes) {
  let text = ''
  const chunk = 0x8000
  for (let start = 0; start < bytes.length; start += chunk) {
    text += String.fromCharCode.apply(null, bytes.subarray(start, start + chunk))
  }
  return btoa(text)
}

// The body's `materials`: [{name (which material), filename, content_base64}]
export function toUploads(chosen) {
  return chosen.map((item) => ({ name: item.name, filename: item.filename, content_base64: toBase64(item.bytes) }))
}

// The platform refused materials (422): each refused field (`materials.1.filename`) as the Chinese
// sentence for the material of that index, keyed by the index; `general` for the whole set.
export function refusals(details, names) {
  const found = {}
  for (const item of Array.isArray(details) ? details : []) {
    const match = /^materials(?:\.(\d+))?/.exec(item.field || '')
    if (!match) continue
    if (match[1] === undefined) {
      found.general = `材料不符合要求：最多 ${MAX_MATERIALS} 份，单份不超过 ${describeSize(MAX_BYTES)}，合计不超过 ${describeSize(MAX_TOTAL_BYTES)}`
      continue
    }
    const index = Number(match[1])
    const name = names[index] || `第 ${index + 1} 份材料`
    found[index] = /filename/.test(item.field)
      ? `「${name}」的文件名或扩展名与内容不符，请检查后重新选择`
      : `「${name}」的文件内容不符合要求（仅支持 ${ALLOWED_TEXT}，单份不超过 ${describeSize(MAX_BYTES)}）`
  }
  return found
}

// The same refusals by the picker's slot: `sent` are the chosen files in the order sent (gaps left out),
// `slots` the picker's names; `general` stays `general`.
export function refusalsBySlot(details, sent, slots) {
  const bySlot = {}
  for (const [key, text] of Object.entries(refusals(details, sent.map((file) => file.name)))) {
    bySlot[key === 'general' ? key : slots.indexOf(sent[Number(key)]?.name)] = text
  }
  return bySlot
}
