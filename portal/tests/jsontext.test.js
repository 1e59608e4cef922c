import assert from 'node:assert/strict'
import { test } from 'node:test'
import { prettyJson, readJsonObject } from '../src/jsontext.js'

test('a JSON object is read back; anything else is refused in Chinese with where it breaks', () => {
  assert.deepEqual(readJsonObject('{"a": 1}'), { value: { a: 1 } })
  assert.match(readJsonObject('').error, /不能为空/)
  assert.match(readJsonObject('[1, 2]').error, /JSON 对象/)
  assert.match(readJsonObject('null').error, /JSON 对象/)
  const broken = readJsonObject('{\n  "a": 1,\n  "b": \n}')
  // where it breaks is said when the JavaScript engine tells it (Chromium does; older Node does not)
  assert.match(broken.error, /^不是有效的 JSON(：第 4 行第 1 列附近有误)?$/)
})

test('a body kept as text is shown indented, and text that is not JSON as it came', () => {
  assert.equal(prettyJson('{"a":{"b":2}}'), '{\n  "a": {\n    "b": 2\n  }\n}')
  assert.equal(prettyJson('not json'), 'not json')
  assert.equal(prettyJson({ x: 1 }), '{\n  "x": 1\n}')
})
