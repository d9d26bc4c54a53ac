// The SPARQL editor: YASGUI (bundled, no CDN) pointed at this deployment's /sparql, our prefixes in
// every query, example queries a click away, and a bar chart as a YASR plugin next to table and response.
(function () {
  const el = document.getElementById("yasgui");
  const config = JSON.parse(el.dataset.config);

  function withPrefixes(query) {
    const lines = Object.entries(config.prefixes)
      .filter(([prefix]) => new RegExp("(^|[^\\w])" + prefix + ":").test(query) && !new RegExp("PREFIX\\s+" + prefix + ":", "i").test(query))
      .map(([prefix, iri]) => `PREFIX ${prefix}: <${iri}>`);
    return (lines.length ? lines.join("\n") + "\n\n" : "") + query;
  }

  class Chart {
    constructor(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Chart"; this.hideFromSelection = false; }
    columns() {
      const results = this.yasr.results;
      const vars = results.getVariables(), rows = results.getBindings();
      const numeric = vars.find((v) => rows.length && rows.every((r) => r[v] && r[v].type !== "uri" && !isNaN(parseFloat(r[v].value))));
      const label = vars.find((v) => v !== numeric);
      return { numeric, label, rows };
    }
    canHandleResults() {
      const results = this.yasr.results;
      return !!(results && results.getVariables && results.getBindings && results.getBindings() && this.columns().numeric);
    }
    getIcon() { const icon = document.createElement("span"); icon.textContent = "▤"; return icon; }
    draw() {
      const { numeric, label, rows } = this.columns();
      const values = rows.map((r) => parseFloat(r[numeric].value));
      const max = Math.max(...values.map(Math.abs), 1);
      const svgNS = "http://www.w3.org/2000/svg", barHeight = 22, width = 640, labelWidth = 260;
      const svg = document.createElementNS(svgNS, "svg");
      svg.setAttribute("viewBox", `0 0 ${width} ${rows.length * barHeight + 10}`);
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", `${numeric} by ${label || "row"}`);
      svg.classList.add("azkg-chart");
      rows.forEach((row, i) => {
        const name = label && row[label] ? row[label].value.replace(/^.*[/#]/, "") : String(i + 1);
        const text = document.createElementNS(svgNS, "text");
        text.setAttribute("x", 0); text.setAttribute("y", i * barHeight + 16); text.textContent = name.slice(0, 40);
        const bar = document.createElementNS(svgNS, "rect");
        bar.setAttribute("x", labelWidth); bar.setAttribute("y", i * barHeight + 4);
        bar.setAttribute("width", Math.max(1, (width - labelWidth - 110) * Math.abs(values[i]) / max)); bar.setAttribute("height", barHeight - 8);
        bar.setAttribute("fill", "#0b5cad");
        const value = document.createElementNS(svgNS, "text");
        value.setAttribute("x", labelWidth + (width - labelWidth - 110) * Math.abs(values[i]) / max + 6); value.setAttribute("y", i * barHeight + 16);
        value.textContent = values[i].toLocaleString("en");
        svg.append(text, bar, value);
      });
      this.yasr.resultsEl.appendChild(svg);
    }
  }

  Yasgui.Yasr.registerPlugin("chart", Chart);
  Yasgui.Yasr.defaults.pluginOrder = ["table", "chart", "response"];
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];  // the others ask a server on the internet
  Yasgui.Yasqe.defaults.value = withPrefixes(config.examples[0].query);
  const yasgui = new Yasgui(el, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }], keys: [] },
  });

  // result IRIs under the persistent base open here, where they dereference
  el.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (link && link.href.startsWith(config.base)) {
      event.preventDefault();
      window.open(config.root + link.href.slice(config.base.length), link.target || "_self");
    }
  });

  document.querySelectorAll("a[data-example]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const example = config.examples.find((e) => e.slug === link.dataset.example);
      const tab = yasgui.getTab();
      tab.setQuery(withPrefixes(example.query));
      tab.query();
    });
  });
})();
