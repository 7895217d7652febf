// Draws the charts of a page from its json_script blocks with Plotly (served locally).
// Numbers are drawn as given: a hidden (suppressed) count is null and shows as a gap.
(function () {
  "use strict";
  var CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };
  var FONT = { family: "system-ui, sans-serif", size: 12 };

  function data(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    return JSON.parse(node.textContent);
  }

  function sizeref(values, largest) {
    var max = 0;
    values.forEach(function (v) { if (v !== null && v > max) { max = v; } });
    return max > 0 ? (2 * max) / (largest * largest) : 1;
  }

  function areaTraces(a) {
    // One filled path per unit (its rings joined by null gaps), shaded by its class.
    return a.areas.map(function (area, i) {
      return {
        type: "scatter", mode: "lines", fill: "toself", name: area.label,
        x: area.x, y: area.y, fillcolor: area.colour, showlegend: false,
        line: { color: "#7f8c99", width: 0.6 }, hoveron: "fills",
        text: area.label + "<br>" + (a.measure || "IDPs") + ": " +
          (area.value === null ? (a.measure ? "none" : "hidden") : area.value.toLocaleString()),
        hoverinfo: "text", legendgroup: "areas"
      };
    });
  }

  // Circles in colours apart from the blue fills: orange units, purple sites.
  var UNIT_FILL = "rgba(230,85,13,0.55)", UNIT_LINE = "#a63603";
  var SITE_FILL = "rgba(117,107,177,0.7)", SITE_LINE = "#54278f";

  function baseTraces(b) {
    // Coasts and country borders (Natural Earth, clipped to the map's box by the server).
    var traces = [];
    if (b.coast && b.coast[0].length) {
      traces.push({ type: "scatter", mode: "lines", name: "Coastline", x: b.coast[0], y: b.coast[1],
        line: { color: "#5b7083", width: 1 }, hoverinfo: "skip", showlegend: false });
    }
    if (b.borders && b.borders[0].length) {
      traces.push({ type: "scatter", mode: "lines", name: "Country borders", x: b.borders[0],
        y: b.borders[1], line: { color: "#5b7083", width: 1, dash: "dot" }, hoverinfo: "skip",
        showlegend: false });
    }
    return traces;
  }

  function drawMap(el, d) {
    var base = d.basemap ? baseTraces(d.basemap) : [];
    var areas = d.areas ? areaTraces(d.areas) : [];
    var traces = base.concat(areas).concat([{
      type: "scatter", mode: "markers", name: "Admin units",
      x: d.units.lon, y: d.units.lat, text: d.units.label, customdata: d.units.value,
      hovertemplate: "%{text}<br>IDPs: %{customdata:,}<extra></extra>",
      marker: { size: d.units.value.map(function (v) { return v === null ? 0 : v; }),
        sizemode: "area", sizeref: sizeref(d.units.value, 40), sizemin: 2,
        color: UNIT_FILL, line: { color: UNIT_LINE, width: 1 } }
    }]);
    if (d.sites) {
      traces.push({
        type: "scatter", mode: "markers", name: "Sites",
        x: d.sites.lon, y: d.sites.lat, text: d.sites.label, customdata: d.sites.value,
        hovertemplate: "%{text}<br>Individuals: %{customdata:,}<extra></extra>",
        marker: { size: d.sites.value.map(function (v) { return v === null ? 0 : v; }),
          sizemode: "area", sizeref: sizeref(d.sites.value, 18), sizemin: 2,
          color: SITE_FILL, line: { color: SITE_LINE, width: 1 } }
      });
    }
    if (d.events && d.events.lat.length) {
      // Event tracking: a layer of its own (not verified, never in the round's figures).
      traces.push({
        type: "scatter", mode: "markers", name: "Events (not verified)",
        x: d.events.lon, y: d.events.lat, text: d.events.label, customdata: d.events.value,
        hovertemplate: "%{text}<br>Displaced (reported): %{customdata:,}<extra></extra>",
        marker: { symbol: "diamond", size: d.events.value, sizemode: "area",
          sizeref: sizeref(d.events.value, 22), sizemin: 6,
          color: "rgba(203,24,29,0.6)", line: { color: "#99000d", width: 1 } }
      });
    }
    var box = d.bounds;
    Plotly.newPlot(el, traces, {
      font: FONT, margin: { l: 40, r: 10, t: 10, b: 30 }, showlegend: true,
      legend: { orientation: "h" }, hovermode: "closest", plot_bgcolor: "#f4f8fb",
      xaxis: { title: "Longitude", zeroline: false, showgrid: false,
        range: box ? [box[0], box[2]] : undefined },
      yaxis: { title: "Latitude", zeroline: false, showgrid: false, scaleanchor: "x",
        scaleratio: 1, range: box ? [box[1], box[3]] : undefined }
    }, CONFIG);
  }

  function exportPng(event) {
    // A chart or the map as a PNG file, drawn by Plotly in the browser (no server round trip).
    var button = event.target.closest(".png-export");
    if (!button) { return; }
    var el = document.getElementById(button.getAttribute("data-chart"));
    if (el && el.data) {
      Plotly.downloadImage(el, { format: "png", filename: button.getAttribute("data-name"),
        width: el.clientWidth || 800, height: el.clientHeight || 500 });
    }
  }

  function drawTrend(el, d, names) {
    var traces = names.map(function (n) {
      return { type: "scatter", mode: "lines+markers", name: n[1], x: d.rounds, y: d[n[0]] };
    });
    Plotly.newPlot(el, traces, {
      font: FONT, margin: { l: 60, r: 10, t: 10, b: 30 }, legend: { orientation: "h" }
    }, CONFIG);
  }

  function drawPyramid(el, d) {
    var female = d.female.map(function (v) { return v === null ? null : -v; });
    Plotly.newPlot(el, [
      { type: "bar", orientation: "h", name: "Female", y: d.brackets, x: female,
        customdata: d.female, hovertemplate: "%{y}: %{customdata:,}<extra>Female</extra>" },
      { type: "bar", orientation: "h", name: "Male", y: d.brackets, x: d.male,
        hovertemplate: "%{y}: %{x:,}<extra>Male</extra>" }
    ], {
      font: FONT, barmode: "overlay", bargap: 0.1, margin: { l: 60, r: 10, t: 10, b: 30 },
      legend: { orientation: "h" }, xaxis: { tickformat: ",d" }
    }, CONFIG);
  }

  function draw() {
    var el;
    var map = data("map-data");
    if (map && (el = document.getElementById("map"))) { drawMap(el, map); }
    var trend = data("trend-data");
    if (trend && (el = document.getElementById("trend"))) {
      drawTrend(el, trend, [["idp_ind", "IDP individuals"], ["returnee_idp_ind", "Returned IDPs"]]);
    }
    var series = data("site-series-data");
    if (series && (el = document.getElementById("site-trend"))) {
      drawTrend(el, series, [["ind", "Individuals"], ["hh", "Households"]]);
    }
    var pyramid = data("pyramid-data");
    if (pyramid && (el = document.getElementById("pyramid"))) { drawPyramid(el, pyramid); }
    document.addEventListener("click", exportPng);
    document.body.setAttribute("data-charts", "drawn");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
