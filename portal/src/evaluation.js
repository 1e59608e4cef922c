// The three evaluations (三评) as the portal shows them: weights that must sum to 1 before a round is
// opened, and the ECharts options of a round's results (rankings, one unit's dimensions, the rank range
// under ±20% weights). Pure: no Vue, no ECharts; portal/tests/evaluation.test.js tests it.
import { DIMENSIONS, EVALUATION_SOURCES } from './format.js'

export const WEIGHT_TOLERANCE = 1e-6

export function evenWeights(names) {
  const share = Math.round((1 / names.length) * 10000) / 10000
  const weights = Object.fromEntries(names.map((name) => [name, share]))
  // the last takes the rounding, so the set sums to exactly 1
  weights[names[names.length - 1]] = Math.round((1 - share * (names.length - 1)) * 10000) / 10000
  return weights
}

export function defaultRoundWeights() {
  return { weights: evenWeights(Object.keys(DIMENSIONS)), source_weights: evenWeights(Object.keys(EVALUATION_SOURCES)) }
}

// null when the set is right; else what is wrong with it, in Chinese, naming the set
export function weightsProblem(weights, labels, setName) {
  for (const [code, name] of Object.entries(labels)) {
    const value = weights?.[code]
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${setName}：请填写「${name}」的权重`
    if (value < 0 || value > 1) return `${setName}：「${name}」的权重须在 0 到 1 之间`
  }
  const total = sumOf(weights, labels)
  if (Math.abs(total - 1) > WEIGHT_TOLERANCE) return `${setName}之和须为 1，现为 ${formatWeight(total)}`
  return null
}

export function sumOf(weights, labels) {
  return Object.keys(labels).reduce((sum, code) => sum + (Number(weights?.[code]) || 0), 0)
}

function formatWeight(value) {
  return String(Math.round(value * 1e6) / 1e6)
}

export function score(value) {
  return value === null || value === undefined ? '—' : (Math.round(value * 100) / 100).toFixed(2)
}

function rounded(value) {
  return value === null || value === undefined ? null : Math.round(value * 100) / 100
}

function named(entry) {
  return entry.name || entry.unit
}

// entries scored, by rank (the API sends them by rank; entries without a score are left out of charts)
export function scored(entries) {
  return (entries || []).filter((entry) => entry.score !== null && entry.score !== undefined)
}

// horizontal bars, the best at the top
export function rankingOption(entries, title) {
  const shown = scored(entries).slice().reverse()
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 15 } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 48, top: 40, bottom: 24, containLabel: true },
    xAxis: { type: 'value', min: 0, max: 100, name: '综合得分' },
    yAxis: { type: 'category', data: shown.map((entry) => `${entry.rank}. ${named(entry)}`) },
    series: [{ type: 'bar', name: '综合得分', data: shown.map((entry) => rounded(entry.score)),
      label: { show: true, position: 'right', formatter: ({ value }) => score(value) },
      itemStyle: { color: '#b91c1c' } }],
  }
}

// one unit's five dimensions as a radar; a dimension without data is left at 0 on the chart and
// said so in the tooltip (the score itself never counts it as 0)
export function dimensionsOption(entry) {
  const codes = Object.keys(DIMENSIONS)
  const values = codes.map((code) => rounded(entry?.dimensions?.[code]))
  return {
    title: { text: entry ? `${named(entry)}：五个维度` : '五个维度', left: 'center', textStyle: { fontSize: 15 } },
    tooltip: {
      formatter: () => codes.map((code, index) => `${DIMENSIONS[code]}：${values[index] === null ? '无数据' : score(values[index])}`).join('<br>'),
    },
    radar: { indicator: codes.map((code) => ({ name: DIMENSIONS[code], max: 100 })), radius: '62%', center: ['50%', '56%'] },
    series: [{ type: 'radar', name: entry ? named(entry) : '', areaStyle: { opacity: 0.2 },
      itemStyle: { color: '#b91c1c' }, data: [{ value: values.map((value) => value ?? 0), name: entry ? named(entry) : '' }] }],
  }
}

// every unit's dimensions side by side (grouped bars), for comparing units at a glance
export function breakdownOption(entries, title) {
  const shown = scored(entries)
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 15 } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 34, type: 'scroll' },
    grid: { left: 8, right: 16, top: 80, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: shown.map(named), axisLabel: { interval: 0, rotate: shown.length > 6 ? 30 : 0 } },
    yAxis: { type: 'value', min: 0, max: 100 },
    series: Object.entries(DIMENSIONS).map(([code, name]) => ({
      type: 'bar', name, data: shown.map((entry) => rounded(entry.dimensions?.[code])),
    })),
  }
}

// the rank range under ±20% weights: a bar from the best to the worst rank, the rank itself a dot;
// the best-ranked unit at the top
export function robustnessOption(entries, title) {
  const shown = scored(entries).filter((entry) => Array.isArray(entry.rank_range)).slice().reverse()
  const worst = Math.max(1, ...shown.map((entry) => entry.rank_range[1]))
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 15 } },
    tooltip: {
      trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (items) => {
        const entry = shown[items[0].dataIndex]
        return `${named(entry)}<br>排名：第 ${entry.rank} 名<br>权重各 ±20% 时：第 ${entry.rank_range[0]} 至第 ${entry.rank_range[1]} 名`
      },
    },
    legend: { bottom: 0, data: ['排名区间', '排名'] },
    grid: { left: 8, right: 24, top: 40, bottom: 40, containLabel: true },
    xAxis: { type: 'value', min: 0.5, max: worst + 0.5, interval: 1,
      axisLabel: { formatter: (value) => (Number.isInteger(value) ? String(value) : '') } },
    yAxis: { type: 'category', data: shown.map(named) },
    series: [
      { type: 'bar', name: '基线', stack: 'range', silent: true, itemStyle: { color: 'transparent' },
        data: shown.map((entry) => entry.rank_range[0] - 0.4) },
      { type: 'bar', name: '排名区间', stack: 'range', itemStyle: { color: '#edbebe' },
        data: shown.map((entry) => entry.rank_range[1] - entry.rank_range[0] + 0.8) },
      { type: 'scatter', name: '排名', symbolSize: 10, itemStyle: { color: '#b91c1c' },
        data: shown.map((entry, index) => [entry.rank, index]) },
    ],
  }
}
