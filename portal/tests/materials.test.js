// The browser's checks of application materials, against the platform's rules (docs/api.md).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MAX_BYTES, MAX_TOTAL_BYTES, checkFile, checkFileSize, checkSet, extensionOf, fingerprint, kindLabel, refusals,
  refusalsBySlot, sniff,
  toBase64, toUploads,
} from '../src/materials.js'

const bytes = (text) => new Uint8Array(Array.from(text, (char) => char.charCodeAt(0)))
const PDF = bytes('%PDF-1.7\n%\xe2\xe3\n1 0 obj')
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82])
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16])
const zip = (...names) => bytes(`PK\x03\x04${names.map((name) => `\x14\x00${name}`).join('')}`)

test('sniffs each allowed type from its bytes, never from a name', () => {
  assert.equal(sniff(PDF), 'pdf')
  assert.equal(sniff(PNG), 'png')
  assert.equal(sniff(JPEG), 'jpeg')
  assert.equal(sniff(zip('OFD.xml', 'Doc_0/Document.xml')), 'ofd')
  assert.equal(sniff(zip('[Content_Types].xml', 'word/document.xml')), 'docx')
  assert.equal(sniff(zip('[Content_Types].xml', 'xl/workbook.xml')), 'xlsx')
  assert.equal(sniff(zip('[Content_Types].xml', 'ppt/presentation.xml')), null)
  assert.equal(sniff(bytes('MZ\x90\x00')), null)
  assert.equal(sniff(bytes('')), null)
})

test('refuses an empty or too large file before reading it', () => {
  assert.equal(checkFileSize({ name: 'a.pdf', size: 1000 }), '')
  assert.match(checkFileSize({ name: '空.pdf', size: 0 }), /空文件/)
  const big = checkFileSize({ name: '营业执照.pdf', size: MAX_BYTES + 1 })
  assert.match(big, /营业执照\.pdf/)
  assert.match(big, /10\.0 MB/)
  assert.equal(checkFileSize({ name: 'edge.pdf', size: MAX_BYTES }), '')
})

test('refuses a type not allowed, and an extension that disagrees with the content', () => {
  assert.equal(checkFile({ name: '申请表.pdf', size: PDF.length, bytes: PDF }), '')
  assert.equal(checkFile({ name: '照片.JPEG', size: JPEG.length, bytes: JPEG }), '')
  assert.match(checkFile({ name: '程序.exe', size: 4, bytes: bytes('MZ\x90\x00') }), /仅支持 PDF/)
  const renamed = checkFile({ name: '申请表.pdf', size: PNG.length, bytes: PNG })
  assert.match(renamed, /PNG/)
  assert.match(renamed, /\.png/)
  assert.match(checkFile({ name: 'noext', size: PDF.length, bytes: PDF }), /扩展名应为 \.pdf/)
  assert.match(checkFile({ name: '.hidden.pdf', size: PDF.length, bytes: PDF }), /不可用/)
})

test('refuses more than three materials, more than 25 MB together, or one file twice', () => {
  const file = (name, size, print) => ({ name, size, fingerprint: print })
  assert.equal(checkSet([file('a', 1, 'x'), file('b', 1, 'y'), file('c', 1, 'z')]), '')
  assert.match(checkSet([file('a', 1), file('b', 1), file('c', 1), file('d', 1)]), /最多上传 3 份/)
  assert.match(checkSet([file('a', MAX_BYTES), file('b', MAX_BYTES), file('c', MAX_TOTAL_BYTES - 2 * MAX_BYTES + 1)]),
    /超过每次申报 25\.0 MB/)
  assert.match(checkSet([file('甲', 1, 'same'), file('乙', 1, 'same')]), /乙」与「甲」是同一个文件/)
  assert.equal(fingerprint(PDF), fingerprint(new Uint8Array(PDF)))
  assert.notEqual(fingerprint(PDF), fingerprint(PNG))
})

test('encodes standard padded base64 the platform decodes strictly', () => {
  assert.equal(toBase64(bytes('')), '')
  assert.equal(toBase64(bytes('a')), 'YQ==')
  assert.equal(toBase64(bytes('ab')), 'YWI=')
  const large = new Uint8Array(100_000).map((_, index) => index % 251)
  assert.deepEqual(new Uint8Array(Buffer.from(toBase64(large), 'base64')), large)
  assert.deepEqual(toUploads([{ name: '申请表', filename: 'a.pdf', bytes: bytes('%PDF-') }]),
    [{ name: '申请表', filename: 'a.pdf', content_base64: 'JVBERi0=' }])
})

test('names the refused material in Chinese from the platform\'s 422 details', () => {
  const found = refusals([
    { field: 'materials.1.content_base64', message: 'type not allowed' },
    { field: 'materials.0.filename', message: 'extension .pdf does not match' },
    { field: 'materials', message: 'together 26.0 MiB' },
    { field: 'note', message: 'too long' },
  ], ['营业执照', '申请表'])
  assert.match(found[0], /营业执照」的文件名/)
  assert.match(found[1], /申请表」的文件内容/)
  assert.match(found.general, /最多 3 份/)
  assert.equal(Object.keys(found).length, 3)
  assert.match(refusals([{ field: 'materials.2.content_base64' }], [])[2], /第 3 份材料/)
  assert.equal(extensionOf('a.tar.GZ'), '.gz')
})

test('puts the refusals on the picker\'s slots, gaps left out, and names stored types', () => {
  const sent = [{ name: '申请表' }, { name: '发票' }]
  const bySlot = refusalsBySlot([{ field: 'materials.1.content_base64' }, { field: 'materials' }], sent,
    ['营业执照', '申请表', '发票'])
  assert.deepEqual(Object.keys(bySlot).sort(), ['2', 'general'])
  assert.match(bySlot[2], /「发票」/)
  assert.equal(kindLabel('application/pdf'), 'PDF')
  assert.equal(kindLabel('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'), 'Excel（XLSX）')
  assert.equal(kindLabel('text/plain'), 'text/plain')
})
