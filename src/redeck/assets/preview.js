// redeck preview: reveal answers on click or key, filter cards by text and tag.
(function () {
  "use strict";
  const cards = Array.from(document.querySelectorAll(".re-card"));
  const search = document.getElementById("search");
  const count = document.getElementById("count");

  function toggle(card, show) {
    const open = show === undefined ? !card.classList.contains("revealed") : show;
    card.classList.toggle("revealed", open);
    card.setAttribute("aria-expanded", String(open));
  }

  cards.forEach(function (card) {
    card.addEventListener("click", function (event) {
      if (event.target.closest("a")) return;  // links in sources stay links
      toggle(card);
    });
    card.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle(card);
      } else if (event.key === "j" || event.key === "k") {
        const visible = cards.filter(function (c) { return !c.hidden; });
        const next = visible[visible.indexOf(card) + (event.key === "j" ? 1 : -1)];
        if (next) next.focus();
      }
    });
  });

  // "tag:tpu" matches a tag (or a tag below it, tpu::v5e); other words must appear in the card's text.
  function matches(card, terms) {
    const text = card.dataset.text;
    const tags = card.dataset.tags.split(" ");
    return terms.every(function (term) {
      if (term.startsWith("tag:")) {
        const tag = term.slice(4);
        return tags.some(function (t) { return t === tag || t.startsWith(tag + "::"); });
      }
      return text.includes(term);
    });
  }

  function filter() {
    const terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    cards.forEach(function (card) {
      card.hidden = !matches(card, terms);
      if (!card.hidden) shown += 1;
    });
    count.textContent = shown + " of " + cards.length + " cards";
  }

  if (search) {
    search.addEventListener("input", filter);
    const query = new URLSearchParams(location.search).get("q");
    if (query) search.value = query;
    filter();
  }
  document.getElementById("reveal-all")?.addEventListener("click", function () {
    const open = !cards.every(function (c) { return c.classList.contains("revealed"); });
    cards.forEach(function (card) { toggle(card, open); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== search && search) {
      event.preventDefault();
      search.focus();
    }
  });
})();
