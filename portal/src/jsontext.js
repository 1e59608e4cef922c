// JSON a person edits in a text box (a tag's rule, a corrected quarantined message): shown indented,
// read back as one JSON object, or a Chinese sentence saying what is wrong and where.

export function prettyJson(value) {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2)
    } catch {
      return value  // not JSON: shown as it came
    }
  }
  return JSON.stringify(value ?? {}, null, 2)
}

// -> { value } for a JSON object, or { error } in Chinese (the line and column where it breaks)
export function readJsonObject(text) {
  if (!text || !text.trim()) return { error: '内容不能为空，请填写一个 JSON 对象' }
  let value
  try {
    value = JSON.parse(text)
  } catch (failure) {
    return { error: `不是有效的 JSON${whereBroken(text, failure)}` }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: '必须是一个 JSON 对象（以 { 开头、以 } 结尾）' }
  }
  return { value }
}

function whereBroken(text, failure) {
  const message = String(failure?.message || '')
  const line = /line (\d+) column (\d+)/.exec(message)
  if (line) return `：第 ${line[1]} 行第 ${line[2]} 列附近有误`
  const position = /position (\d+)/.exec(message)
  if (!position) return ''
  const before = text.slice(0, Number(position[1])).split('\n')
  return `：第 ${before.length} 行第 ${before[before.length - 1].length + 1} 列附近有误`
}
