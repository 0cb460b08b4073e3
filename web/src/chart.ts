import uPlot from "uplot";

/**
 * One time series drawn with uPlot in `box`, as wide as the box (following its size) and `height`
 * tall. `draw` sets the data: the first call makes the chart, later ones replace its data.
 */
export function timeChart(box: HTMLElement, series: uPlot.Series, height: number) {
  let chart: uPlot | null = null;
  const width = () => Math.max(280, box.clientWidth || 600);
  return {
    draw(data: uPlot.AlignedData): void {
      if (chart) {
        chart.setData(data);
        return;
      }
      chart = new uPlot(
        { width: width(), height, series: [{}, series], axes: [{}, { size: 60 }], legend: { show: false } },
        data,
        box,
      );
      new ResizeObserver(() => chart?.setSize({ width: width(), height })).observe(box);
    },
  };
}
