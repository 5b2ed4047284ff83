// The search of a motodex site exported as files (motodex export-site).
// search-index.js, loaded just before this script, holds every bike in the
// catalogue's order, its model and maker name also folded by motodex's own
// rule; the search finds those whose model or maker name contains the
// words typed, ignoring case exactly as the live site's search does, and
// shows each with a copy of the page's card template.
(function () {
  "use strict";
  var shownAtMost = 120;
  // As the live search reads its query: trimmed of Unicode white space,
  // at most 100 characters.
  var longestQuery = 100;
  var bikes = (window.motodexIndex && window.motodexIndex.bikes) || [];
  var typed = new URLSearchParams(window.location.search).get("search") || "";
  var query = Array.from(typed.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, ""))
    .slice(0, longestQuery).join("");

  // motodex's fold (src/db/catalogue/fold.rs), character by character:
  // the lowercase form when it is one character (so "İ" stays itself),
  // long s as s and final sigma as sigma. toLowerCase of a whole string
  // differs: it turns "İ" into two characters and a word's last "Σ" into
  // "ς", and leaves "ſ" and "ς" as they are.
  function foldChar(c) {
    if (c === "\u017f") {
      return "s";
    }
    if (c === "\u03c2") {
      return "\u03c3";
    }
    var lower = c.toLowerCase();
    return Array.from(lower).length === 1 ? lower : c;
  }
  function fold(text) {
    return Array.from(text).map(foldChar).join("");
  }
  var input = document.getElementById("search");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var template = document.getElementById("bike-card-template");
  if (input) {
    input.value = query;
  }
  if (!status || !list) {
    return;
  }
  if (!query) {
    status.textContent = "Type part of a model or maker name, then press Search.";
    return;
  }
  var needle = fold(query);
  var found = bikes.filter(function (bike) {
    return bike.model_folded.indexOf(needle) !== -1 ||
      bike.maker_folded.indexOf(needle) !== -1;
  });
  document.title = "Search results · " + document.title.split(" · ").pop();
  if (found.length === 0 || !template) {
    status.textContent = "No bikes match your search. Try another maker or fewer letters.";
    return;
  }
  status.textContent = found.length + (found.length === 1 ? " bike" : " bikes") +
    (found.length > shownAtMost ? " · the first " + shownAtMost + " shown; type more letters to narrow the search" : "");
  found.slice(0, shownAtMost).forEach(function (bike) {
    var card = template.content.firstElementChild.cloneNode(true);
    card.querySelector("a").setAttribute("href", bike.href);
    var image = card.querySelector("img");
    image.setAttribute("src", bike.img);
    image.setAttribute("alt", bike.alt);
    card.querySelector(".bike-maker").textContent = bike.maker;
    card.querySelector(".bike-model").textContent = bike.model;
    card.querySelector(".bike-meta").textContent = bike.year + " · " + bike.engine;
    list.appendChild(card);
  });
})();
