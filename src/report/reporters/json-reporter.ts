// The leaderboard as JSON: the rows with raw numbers and the data series of every chart (not the
// SVG), so other tools can re-plot without re-reading the run directories.

import type { ReporterDefinition } from './reporter.js';

export const jsonReporter: ReporterDefinition = {
  id: 'json',
  extension: 'json',
  signature: '{\n  "schema": "moe-eval.leaderboard/1"',
  render: ({ leaderboard, charts, chartsDir }) =>
    `${JSON.stringify(
      {
        ...leaderboard,
        charts: charts.map((c) => ({ chart: c.chart, file: `${chartsDir}/${c.file}`, heading: c.heading, title: c.title, series: c.series })),
      },
      null,
      2,
    )}\n`,
};
