// Small helpers for the pages; no build step. htmx does the requests.
(function () {
  "use strict";

  // The page's words in its language (base.html renders them from the catalogue).
  var words = {};
  try { words = JSON.parse(document.getElementById("page-words").textContent); } catch (e) { words = {}; }
  function say(key, values) {
    var text = words[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }

  function setUpDropzone() {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("files");
    var chosen = document.getElementById("chosen");
    if (!zone || !input) { return; }
    function showChosen() {
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      chosen.textContent = names.length ? say("chosen") + names.join(", ") : "";
    }
    input.addEventListener("change", showChosen);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showChosen();
      }
    });
  }

  // Labels carry names from uploaded files: always text, never HTML.
  function textLabel(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function setUpMap() {
    var element = document.getElementById("map");
    if (!element || typeof L === "undefined") { return; }
    var map = L.map(element, { preferCanvas: true, zoomSnap: 0.25, keyboard: true, zoomControl: false });
    L.control.zoom({ zoomInTitle: say("zoom_in"), zoomOutTitle: say("zoom_out") }).addTo(map);
    map.setView([51.0, 4.3], 8);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: "&copy; OpenStreetMap" }).addTo(map);
    }
    var note = document.getElementById("map-note");
    fetch(element.dataset.outline).then(function (r) { return r.json(); }).then(function (outline) {
      var layer = L.geoJSON(outline, { style: { color: "#4a4a4a", weight: 1.5, fillColor: "#e8edf2", fillOpacity: 0.6 },
        onEachFeature: function (f, l) { l.bindTooltip(textLabel(f.properties.name)); } }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      layer.bringToBack();
      element.dataset.outlineFeatures = String(outline.features.length);
    });
    fetch(element.dataset.points, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      var lines = L.layerGroup(), workplaces = L.layerGroup(), placed = L.layerGroup(), unmatched = L.layerGroup();
      data.points.forEach(function (p) {
        if (p.kind === "workplace") {
          // sized in pixels, so zooming in does not turn them into blocks
          L.circleMarker([p.lat, p.lon], { radius: 4, color: "#1b1b1b", weight: 2, fillColor: "#9a9a9a", fillOpacity: 1 })
            .bindTooltip(textLabel(p.label)).addTo(workplaces);
          return;
        }
        var colour = p.kind === "placed" ? "#0b4f8a" : "#b00020";
        if (p.to) { L.polyline([[p.lat, p.lon], p.to], { color: "#0b4f8a", weight: 1, opacity: 0.35 }).addTo(lines); }
        L.circleMarker([p.lat, p.lon], { radius: p.kind === "placed" ? 4 : 6, color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.8 })
          .bindTooltip(textLabel(p.label)).addTo(p.kind === "placed" ? placed : unmatched);
      });
      lines.addTo(map); workplaces.addTo(map); placed.addTo(map); unmatched.addTo(map);
      var overlays = {};
      overlays[say("workplaces")] = workplaces; overlays[say("placed")] = placed;
      overlays[say("unmatched")] = unmatched; overlays[say("lines")] = lines;
      var layers = L.control.layers(null, overlays, { collapsed: window.innerWidth < 900 }).addTo(map);
      var toggle = layers.getContainer().querySelector(".leaflet-control-layers-toggle");
      if (toggle) { toggle.title = say("layers"); toggle.setAttribute("aria-label", say("layers")); }
      element.dataset.pointsDrawn = String(data.points.length);
      if (note) {
        var n = function (x) { return x.toLocaleString(words.locale || "nl-BE"); };
        note.textContent = (data.students_shown < data.students
          ? say("shown", { shown: n(data.students_shown), students: n(data.students) })
          : say("all_shown", { students: n(data.students) })) +
          (data.workplaces_shown < data.workplaces
          ? " " + say("workplaces_shown", { shown: n(data.workplaces_shown), workplaces: n(data.workplaces) }) : "");
      }
    });
  }

  // After sorting or paging, the table is new: keep the keyboard where it was.
  document.addEventListener("htmx:afterSwap", function (event) {
    var table = document.getElementById("plan-table");
    if (!table || event.detail.target.id !== "plan-table") { return; }
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (trigger && trigger.classList && trigger.classList.contains("sort")) {
      var sorted = table.querySelector("th[aria-sort] button.sort");
      if (sorted) { sorted.focus(); }
    } else if (trigger && trigger.closest && trigger.closest(".pager")) {
      var status = table.querySelector("[role=status]");
      if (status) { status.setAttribute("tabindex", "-1"); status.focus(); }
    }
  });

  // Escape closes an open refusal panel and returns to its toggle.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = event.target.closest && event.target.closest("details[open]");
    if (open) {
      open.open = false;
      var summary = open.querySelector("summary");
      if (summary) { summary.focus(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    setUpDropzone();
    // leaflet.js is deferred after this file; wait for the whole page
    window.addEventListener("load", setUpMap);
  });
})();
