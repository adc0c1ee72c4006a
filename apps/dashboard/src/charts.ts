// The two charts, drawn with uPlot: live events/s, and counts per action over the range.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const PALETTE = ['#4f9dff', '#ffb547', '#4fd18b', '#ff6b8a', '#b18cff', '#5fd3e8', '#e8d35f', '#ff8f5f'];
const color = (i: number) => PALETTE[i % PALETTE.length] ?? '#4f9dff';
const stepped = uPlot.paths.stepped?.({ align: 1 });

const axis = { stroke: '#9aa4b2', grid: { stroke: '#262c36', width: 1 }, ticks: { stroke: '#262c36' } };

function size(element: HTMLElement): { width: number; height: number } {
  return { width: Math.max(300, element.clientWidth), height: 240 };
}

export interface LiveChart {
  update(xs: number[], ingested: number[], counted: number[]): void;
}

export function createLiveChart(element: HTMLElement): LiveChart {
  const chart = new uPlot(
    {
      ...size(element),
      series: [
        {},
        { label: 'ingested/s', stroke: color(0), width: 2, fill: 'rgba(79,157,255,0.12)' },
        { label: 'counted/s', stroke: color(2), width: 2 },
      ],
      axes: [axis, { ...axis, size: 60 }],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
    },
    [[], [], []],
    element,
  );
  new ResizeObserver(() => chart.setSize(size(element))).observe(element);
  return { update: (xs, ingested, counted) => chart.setData([xs, ingested, counted]) };
}

export interface ActionChart {
  /** `range`: the whole requested range in seconds, so a few buckets do not fill the width. */
  update(xs: number[], actions: string[], counts: number[][], range: [number, number]): void;
}

export function createActionChart(element: HTMLElement): ActionChart {
  let chart: uPlot | undefined;
  let shape = '';
  let xRange: [number, number] = [0, 1];
  new ResizeObserver(() => chart?.setSize(size(element))).observe(element);
  return {
    update(xs, actions, counts, range) {
      xRange = range;
      // A new set of actions needs new series; the same set only new data.
      const key = actions.join('\u0000');
      if (!chart || key !== shape) {
        chart?.destroy();
        shape = key;
        chart = new uPlot(
          {
            ...size(element),
            series: [
              {},
              ...actions.map((action, i) => ({
                label: action,
                stroke: color(i),
                width: 2,
                ...(stepped ? { paths: stepped } : {}),
              })),
            ],
            axes: [axis, { ...axis, size: 60 }],
            scales: { x: { time: true, range: () => xRange }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
          },
          [xs, ...counts],
          element,
        );
      } else {
        chart.setData([xs, ...counts]);
      }
    },
  };
}
