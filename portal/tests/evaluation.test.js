// node --test portal/tests/
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  defaultRoundWeights, dimensionsOption, rankingOption, robustnessOption, scored, sumOf, weightsProblem,
} from '../src/evaluation.js'
import { DIMENSIONS, EVALUATION_SOURCES } from '../src/format.js'

test('the default weights of a new round each sum to exactly 1 and pass the check', () => {
  const { weights, source_weights: sources } = defaultRoundWeights()
  assert.deepEqual(Object.keys(weights), Object.keys(DIMENSIONS))
  assert.deepEqual(Object.keys(sources), Object.keys(EVALUATION_SOURCES))
  assert.ok(Math.abs(sumOf(weights, DIMENSIONS) - 1) < 1e-9)
  assert.equal(weightsProblem(weights, DIMENSIONS, '维度权重'), null)
  assert.equal(weightsProblem(sources, EVALUATION_SOURCES, '来源权重'), null)
})

test('weights that do not sum to 1, miss one or leave 0..1 are refused naming the set', () => {
  const sources = { platform: 0.4, self: 0.2, survey: 0.2, third_party: 0.3 }
  assert.match(weightsProblem(sources, EVALUATION_SOURCES, '来源权重'), /^来源权重之和须为 1，现为 1\.1$/)
  assert.match(weightsProblem({ ...sources, third_party: undefined }, EVALUATION_SOURCES, '来源权重'), /第三方评估/)
  assert.match(weightsProblem({ ...sources, platform: 1.2, third_party: -0.6 }, EVALUATION_SOURCES, '来源权重'), /0 到 1/)
  // float noise within 10^-6 is a sum of 1, as the API judges it
  assert.equal(weightsProblem({ platform: 0.1, self: 0.2, survey: 0.3, third_party: 0.4 }, EVALUATION_SOURCES, '来源权重'), null)
})

const ENTRIES = [
  { unit: 'finance', name: '财政局', score: 80.456, rank: 1, rank_range: [1, 2],
    dimensions: { supply_match: 90, push_coverage: null }, sources: {} },
  { unit: 'tax', name: '税务局', score: 70, rank: 2, rank_range: [1, 3], dimensions: {}, sources: {} },
  { unit: 'empty', name: '无数据局', score: null, rank: null, rank_range: null, dimensions: {}, sources: {} },
]

test('charts leave out units without a score and put the best at the top', () => {
  assert.deepEqual(scored(ENTRIES).map((entry) => entry.unit), ['finance', 'tax'])
  const ranking = rankingOption(ENTRIES, '部门排名')
  assert.deepEqual(ranking.yAxis.data, ['2. 税务局', '1. 财政局'])
  assert.deepEqual(ranking.series[0].data, [70, 80.46])
  const range = robustnessOption(ENTRIES, '排名稳健性')
  assert.deepEqual(range.yAxis.data, ['税务局', '财政局'])
  assert.equal(range.xAxis.max, 3.5)
  // the visible bar spans best..worst, the dot sits on the rank
  assert.deepEqual(range.series[0].data.map((start, index) => [start, start + range.series[1].data[index]]),
    [[0.6, 3.4], [0.6, 2.4]])
  assert.deepEqual(range.series[2].data, [[2, 0], [1, 1]])
})

test('a dimension without data is drawn at 0 but said to have no data', () => {
  const option = dimensionsOption(ENTRIES[0])
  assert.equal(option.radar.indicator.length, 5)
  assert.deepEqual(option.series[0].data[0].value, [90, 0, 0, 0, 0])
  assert.match(option.tooltip.formatter(), /政策推送覆盖度：无数据/)
  assert.match(option.tooltip.formatter(), /政策供给匹配度：90\.00/)
})
