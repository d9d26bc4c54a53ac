// Search-as-you-type for inputs with data-autocomplete (the /search URL): an ARIA combobox whose
// options are entity pages. Without JavaScript the form still submits to /search.
(function () {
  function attach(input) {
    const list = document.getElementById(input.getAttribute("aria-controls"));
    let active = -1, timer = null, last = "";
    const options = () => Array.from(list.querySelectorAll('[role="option"]'));
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function highlight(index) {
      const all = options();
      all.forEach((o, i) => o.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", all[index].id); else input.removeAttribute("aria-activedescendant");
    }
    async function suggest() {
      const q = input.value.trim();
      if (!q || q === last) { if (!q) close(); return; }
      last = q;
      const url = input.dataset.autocomplete + "?" + new URLSearchParams({ q, kind: "entity", limit: "8" });
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok || input.value.trim() !== q) return;
      const answer = await response.json();
      list.replaceChildren(...answer.hits.filter((hit) => hit.url).map((hit, i) => {  // no url: not a web IRI, no link
        const li = document.createElement("li");
        li.id = input.id + "-option-" + i;
        li.setAttribute("role", "option");
        li.dataset.url = hit.url;
        const a = document.createElement("a");
        a.href = hit.url; a.tabIndex = -1; a.textContent = hit.label;
        li.append(a);
        const type = Array.isArray(hit.types) ? hit.types[0] : hit.types;
        if (type) { const s = document.createElement("span"); s.className = "badge"; s.textContent = type; li.append(" ", s); }
        li.addEventListener("mousedown", (event) => { event.preventDefault(); window.location.href = hit.url; });
        return li;
      }));
      list.hidden = answer.hits.length === 0;
      input.setAttribute("aria-expanded", answer.hits.length ? "true" : "false");
      active = -1;
    }
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
    input.addEventListener("keydown", (event) => {
      const all = options();
      if (event.key === "ArrowDown" && all.length) { event.preventDefault(); list.hidden = false; highlight((active + 1) % all.length); }
      else if (event.key === "ArrowUp" && all.length) { event.preventDefault(); highlight((active - 1 + all.length) % all.length); }
      else if (event.key === "Enter" && active >= 0 && !list.hidden) { event.preventDefault(); window.location.href = all[active].dataset.url; }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }
  document.querySelectorAll("input[data-autocomplete]").forEach(attach);
})();
